#include <stdio.h>

#include "cmd/commands.h"

int
cmd_report(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "rssgap report: not built yet\n");
	return 1;
}
