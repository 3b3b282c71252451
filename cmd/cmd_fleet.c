#include <stdio.h>

#include "cmd/commands.h"

int
cmd_fleet(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "rssgap fleet: not built yet\n");
	return 1;
}
