/*
 * The statistics of fleet comparisons (analyze/fleet.c): nearest-rank
 * percentiles and medians of byte counts, and a deterministic bootstrap band
 * of the difference of two cohorts' medians. fleet_stat_of (fleet.h) is here
 * too. Inputs are lent and left unchanged.
 */
#ifndef RSSGAP_FLEETSTAT_H
#define RSSGAP_FLEETSTAT_H

#include <stdint.h>

#include "analyze/fleet.h"

/* The median of v[0..n) (the mean of the middle two when n is even); 0 when n is 0. */
int64_t fleet_median(const int64_t *v, int n);
/*
 * Band of median(a) - median(b): resample each cohort with replacement
 * o->resamples times from o->seed, keep the o->band two-sided percentiles.
 */
void fleet_bootstrap(const int64_t *b, int nb, const int64_t *a, int na, const struct fleet_opts *o,
		     int64_t *low, int64_t *high);

#endif
