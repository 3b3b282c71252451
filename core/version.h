/*
 * The rssgap version, printed by --version and in report footers. It is the
 * VERSION= line of capture/rssgap-capture, so that the binary and the capture
 * script report one version; the Makefile writes it into build/rssgap-version.h.
 */
#ifndef RSSGAP_VERSION_H
#define RSSGAP_VERSION_H

#include "rssgap-version.h"

#endif
