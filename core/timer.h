/* Wall-clock intervals for progress, --stats and the benchmarks. */
#ifndef RSSGAP_TIMER_H
#define RSSGAP_TIMER_H

/* Seconds on the monotonic clock: only differences mean anything. */
double timer_now(void);

#endif
