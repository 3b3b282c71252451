#!/usr/bin/env bash
# tests/cli/containers.sh: the committed captures of a Go service in real
# containers with a 256 MiB limit (fixtures/containers, made by
# fixtures/make-container-bundles.sh; tests/live/containers.sh makes them
# afresh): the cgroup in every bundle is the container's, and the OOM case
# shows the limit, the distance to it, the limit reached and the OOM kill.
set -u
. tests/clilib.sh
. tests/container_checks.sh

container_checks fixtures/containers 268435456
finish
