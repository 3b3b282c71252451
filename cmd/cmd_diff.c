#include <stdio.h>

#include "cmd/commands.h"

int
cmd_diff(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "rssgap diff: not built yet\n");
	return 1;
}
