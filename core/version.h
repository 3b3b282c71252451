/* The rssgap version, printed by --version and in report footers. */
#ifndef RSSGAP_VERSION_H
#define RSSGAP_VERSION_H

#define RSSGAP_VERSION "0.1.0"

#endif
