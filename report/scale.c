#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/escape.h"
#include "core/xalloc.h"
#include "report/scale.h"

#define ELLIPSIS "\xe2\x80\xa6"		/* U+2026 */

static const char *const unit_names[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };

int
scale_byte_ticks(double min, double max, int max_ticks, struct scale_ticks *t)
{
	static const double mults[] = { 1, 2, 5, 10 };
	double big, unit = 1, a, b, raw, mag, step = 0, flo = 0, fhi = 0;
	int k = 0, tries;
	size_t i;

	if (!isfinite(min) || !isfinite(max) || min > max || max_ticks < 1 || max_ticks > 1000)
		return -1;
	if (min == max) {
		/* a flat range still needs an axis: widen it away from 0 */
		if (max >= 0)
			max = max == 0 ? 1024 : max * 1.1;
		else
			min = min * 1.1;
		if (min > 0)
			min = 0;
	}
	/* 0 is a tick, so a range across it needs two intervals */
	if (min < 0 && max > 0 && max_ticks < 2)
		max_ticks = 2;
	big = fmax(fabs(min), fabs(max));
	while (k < 6 && big >= unit * 1024) {
		unit *= 1024;
		k++;
	}
	a = min / unit;
	b = max / unit;
	raw = (b - a) / max_ticks;
	mag = pow(10, floor(log10(raw)));
	for (tries = 0; tries < 64; tries++, mag *= 10) {
		for (i = 0; i < sizeof(mults) / sizeof(mults[0]); i++) {
			step = mults[i] * mag;
			flo = floor(a / step + 1e-9);
			fhi = ceil(b / step - 1e-9);
			if (fhi - flo <= max_ticks && fhi > flo)
				goto found;
		}
	}
	return -1;
found:
	/* in bytes: a unit of 1 B never steps below a whole byte */
	if (k == 0 && step < 1) {
		step = 1;
		flo = floor(a);
		fhi = ceil(b);
		if (fhi <= flo)
			fhi = flo + 1;
	}
	t->unit = unit;
	t->unit_name = unit_names[k];
	t->step = step * unit;
	t->lo = flo * step * unit;
	t->hi = fhi * step * unit;
	/* a tick computed in floating point may land an ulp inside the data */
	if (t->lo > min)
		t->lo = min;
	if (t->hi < max)
		t->hi = max;
	t->n = (int)(fhi - flo) + 1;
	t->decimals = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
	return 0;
}

double
scale_tick_value(const struct scale_ticks *t, int i)
{
	return t->lo + i * t->step;
}

void
scale_tick_label(struct buf *out, const struct scale_ticks *t, int i)
{
	double v = scale_tick_value(t, i);

	if (fabs(v) < t->step / 2) {
		buf_puts(out, "0");
		return;
	}
	buf_printf(out, "%.*f %s", t->decimals, v / t->unit, t->unit_name);
}

void
scale_bytes(struct buf *out, double bytes)
{
	double v = fabs(bytes);
	int u;

	if (isnan(bytes)) {
		buf_puts(out, "n/a");
		return;
	}
	if (v < 0.5) {
		buf_puts(out, "0 B");
		return;
	}
	if (bytes < 0)
		buf_putc(out, '-');
	/* a value that would print as 1000 or more goes up a unit: 1001.7 KiB is 0.98 MiB */
	for (u = 0; u < 6 && v >= 999.5; u++)
		v /= 1024;
	if (u == 0)
		buf_printf(out, "%.0f B", v);
	else
		buf_printf(out, "%.*f %s", v < 9.995 ? 2 : v < 99.95 ? 1 : 0, v, unit_names[u]);
}

void
scale_bytes_delta(struct buf *out, double bytes)
{
	if (bytes >= 0.5)
		buf_putc(out, '+');
	scale_bytes(out, bytes);
}

double
scale_map(const struct scale_ticks *t, double v, double px0, double px1)
{
	double f = (v - t->lo) / (t->hi - t->lo);

	if (!(f >= 0))		/* also NaN */
		f = 0;
	if (f > 1)
		f = 1;
	return px0 + f * (px1 - px0);
}

double
scale_clamp_in(double v, double a, double b, double r)
{
	double lo = fmin(a, b) + r, hi = fmax(a, b) - r;

	if (lo > hi)
		return (a + b) / 2;
	if (!(v >= lo))		/* also NaN */
		return lo;
	return v > hi ? hi : v;
}

double
scale_mono_width(void *ctx, const char *s)
{
	return *(const double *)ctx * (double)scale_utf8_count(s);
}

/* Byte length of the code point at s (an invalid byte is one). */
static size_t
cp_len(const char *s, size_t left)
{
	size_t n = utf8_seq_len((const unsigned char *)s, left);

	return n == 0 ? 1 : n;
}

size_t
scale_utf8_count(const char *s)
{
	size_t len = strlen(s), i = 0, count = 0;

	while (i < len) {
		i += cp_len(s + i, len - i);
		count++;
	}
	return count;
}

/* Build head + "…" + tail of s into b, from code point offsets off[]. */
static void
middle_cut(struct buf *b, const char *s, const size_t *off, size_t ncp, size_t keep)
{
	size_t head = keep * 2 / 5, tail = keep - head;

	buf_reset(b);
	buf_add(b, s, off[head]);
	buf_puts(b, ELLIPSIS);
	buf_puts(b, s + off[ncp - tail]);
}

double
scale_fit_middle(struct buf *out, const char *s, double max_width, const struct scale_measure *m)
{
	struct buf try = BUF_INIT;
	size_t len = strlen(s), ncp, i, lo, hi, *off;
	double w = m->width(m->ctx, s);

	if (w <= max_width) {
		buf_puts(out, s);
		return w;
	}
	ncp = scale_utf8_count(s);
	off = xcalloc(ncp + 1, sizeof(*off));
	for (i = 0, ncp = 0; i < len; ncp++) {
		off[ncp] = i;
		i += cp_len(s + i, len - i);
	}
	off[ncp] = len;
	/* largest kept count whose cut fits; width grows with it */
	lo = 0;
	hi = ncp - 1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo + 1) / 2;

		middle_cut(&try, s, off, ncp, mid);
		if (m->width(m->ctx, buf_str(&try)) <= max_width)
			lo = mid;
		else
			hi = mid - 1;
	}
	middle_cut(&try, s, off, ncp, lo);
	w = m->width(m->ctx, buf_str(&try));
	if (w <= max_width)
		buf_puts(out, buf_str(&try));
	else
		w = 0;
	free(off);
	buf_release(&try);
	return w;
}

/* Width of s[0..n) + "…", built in try. */
static double
cut_width(struct buf *try, const char *s, size_t n, const struct scale_measure *m)
{
	buf_reset(try);
	buf_add(try, s, n);
	buf_puts(try, ELLIPSIS);
	return m->width(m->ctx, buf_str(try));
}

double
scale_fit_words(struct buf *out, const char *s, double max_width, const struct scale_measure *m)
{
	struct buf try = BUF_INIT;
	size_t len = strlen(s), i, best = 0, e;
	double w = m->width(m->ctx, s), bw = 0;

	if (w <= max_width) {
		buf_puts(out, s);
		return w;
	}
	/* the longest run of whole words, its trailing blanks dropped */
	for (i = 1; i < len; i++) {
		if (s[i] != ' ' || s[i - 1] == ' ')
			continue;
		if ((w = cut_width(&try, s, i, m)) > max_width)
			break;
		best = i;
		bw = w;
	}
	if (best == 0) {
		/* one word wider than the room: its head, at code point boundaries */
		for (e = 0, i = 0; i < len && s[i] != ' '; i = e) {
			e = i + cp_len(s + i, len - i);
			if ((w = cut_width(&try, s, e, m)) > max_width)
				break;
			best = e;
			bw = w;
		}
	}
	if (best == 0 && (bw = cut_width(&try, s, 0, m)) > max_width)
		bw = 0;
	else {
		buf_add(out, s, best);
		buf_puts(out, ELLIPSIS);
	}
	buf_release(&try);
	return bw;
}

size_t
scale_wrap(const char *s, double max_width, const struct scale_measure *m)
{
	struct buf head = BUF_INIT;
	size_t len = strlen(s), i, best = 0;

	if (m->width(m->ctx, s) <= max_width)
		return len;
	for (i = 0; i < len; i++) {
		if (s[i] != ' ' || i == 0 || s[i - 1] == ' ')
			continue;
		buf_reset(&head);
		buf_add(&head, s, i);
		if (m->width(m->ctx, buf_str(&head)) > max_width)
			break;
		best = i;
	}
	buf_release(&head);
	return best;
}

int
scale_boxes_intersect(const struct scale_box *a, const struct scale_box *b)
{
	return a->x < b->x + b->w && b->x < a->x + a->w && a->y < b->y + b->h &&
	       b->y < a->y + a->h;
}

int
scale_box_inside(const struct scale_box *inner, const struct scale_box *outer)
{
	return inner->x >= outer->x && inner->y >= outer->y &&
	       inner->x + inner->w <= outer->x + outer->w &&
	       inner->y + inner->h <= outer->y + outer->h;
}

int
scale_nudge_up(struct scale_box *b, const struct scale_box *placed, int n, double step,
	       double min_y)
{
	int i, hit;

	if (!(step > 0))
		return -1;
	for (;;) {
		for (i = 0, hit = 0; i < n && !hit; i++)
			hit = scale_boxes_intersect(b, &placed[i]);
		if (!hit)
			return 0;
		if (b->y - step < min_y)
			return -1;
		b->y -= step;
	}
}

/* 1 when b is inside bounds and clear of the n boxes of each list. */
static int
spot_free(const struct scale_box *b, const struct scale_box *bounds, const struct scale_box *placed,
	  int nplaced, const struct scale_box *avoid, int navoid)
{
	int i;

	if (!scale_box_inside(b, bounds))
		return 0;
	for (i = 0; i < nplaced; i++)
		if (scale_boxes_intersect(b, &placed[i]))
			return 0;
	for (i = 0; i < navoid; i++)
		if (scale_boxes_intersect(b, &avoid[i]))
			return 0;
	return 1;
}

int
scale_place_label(double cx, double cy, double r, double w, double h,
		  const struct scale_box *bounds, const struct scale_box *placed, int nplaced,
		  const struct scale_box *avoid, int navoid, struct scale_box *out)
{
	/* right, left, above, below, then the diagonals: unit steps of the offset */
	static const double dir[8][2] = {
		{ 1, 0 }, { -1, 0 }, { 0, -1 }, { 0, 1 }, { 1, -1 }, { 1, 1 }, { -1, -1 }, { -1, 1 },
	};
	int ring, k;

	for (ring = 0; ring < 6; ring++) {
		double d = r + 2 + ring * 8, dd = d * 0.7071;

		for (k = 0; k < 8; k++) {
			double ox = dir[k][0] * (k < 4 ? d : dd), oy = dir[k][1] * (k < 4 ? d : dd);
			struct scale_box b;

			/* the label's near edge (or centre, along an axis) at the offset */
			b.x = dir[k][0] > 0 ? cx + ox : dir[k][0] < 0 ? cx + ox - w : cx - w / 2;
			b.y = dir[k][1] > 0 ? cy + oy : dir[k][1] < 0 ? cy + oy - h : cy - h / 2;
			b.w = w;
			b.h = h;
			if (spot_free(&b, bounds, placed, nplaced, avoid, navoid)) {
				*out = b;
				return ring;
			}
		}
	}
	return -1;
}

int
scale_rows_fit(struct scale_rows *r, int n, double top, double height, double min_h,
	       double max_h)
{
	double fit_rows;

	memset(r, 0, sizeof(*r));
	r->n = n;
	r->top = top;
	r->row_h = max_h;
	if (n <= 0)
		return 0;
	if (!(min_h > 0) || max_h < min_h || !(height >= min_h))
		return -1;
	fit_rows = floor(height / min_h + 1e-9);
	if (fit_rows >= n) {
		r->shown = n;
		r->row_h = fmin(max_h, height / n);
		return 0;
	}
	r->shown = (int)fit_rows - 1;
	r->more = 1;
	r->row_h = fmin(max_h, height / fit_rows);
	return 0;
}

struct scale_box
scale_row_box(const struct scale_rows *r, int i, double x, double w)
{
	/* edges computed the same way for a row's bottom and the next row's top */
	double y0 = r->top + i * r->row_h, y1 = r->top + (i + 1) * r->row_h;
	struct scale_box b = { x, y0, w, y1 - y0 };

	return b;
}

struct scale_box
scale_tick_box(const struct scale_ticks *t, int i, double px0, double px1, double w, double y,
	       double h)
{
	double x = scale_map(t, scale_tick_value(t, i), px0, px1) - w / 2;
	struct scale_box b;

	if (x + w > fmax(px0, px1))
		x = fmax(px0, px1) - w;
	if (x < fmin(px0, px1))
		x = fmin(px0, px1);
	b.x = x;
	b.y = y;
	b.w = w;
	b.h = h;
	return b;
}

int
scale_ticks_fit(double min, double max, double px0, double px1, double gap,
		const struct scale_measure *m, struct scale_ticks *t)
{
	struct buf label = BUF_INIT;
	int want, i, ok = 0;

	want = (int)fmin(fabs(px1 - px0) / 24, 1000);
	if (want < 1)
		want = 1;
	for (; want >= 1 && !ok; want--) {
		struct scale_box prev = { 0, 0, 0, 0 };

		if (scale_byte_ticks(min, max, want, t) != 0)
			break;
		ok = 1;
		for (i = 0; i < t->n && ok; i++) {
			struct scale_box b;

			buf_reset(&label);
			scale_tick_label(&label, t, i);
			b = scale_tick_box(t, i, px0, px1, m->width(m->ctx, buf_str(&label)), 0, 1);
			b.x -= gap / 2;
			b.w += gap;
			if (i > 0 && scale_boxes_intersect(&prev, &b))
				ok = 0;
			prev = b;
		}
	}
	buf_release(&label);
	return ok ? 0 : -1;
}

/* Greedy flow with the last line ending at limit_last; returns the entries placed. */
static int
flow_try(const double *w, int n, double max_w, int max_lines, double gap, double limit_last,
	 double *x, int *line, double *end_x, int *end_line)
{
	double at = 0;
	int i, ln = 0;

	for (i = 0; i < n; i++) {
		double wi = fmin(w[i], max_w);

		if (at > 0 && at + wi > max_w) {
			if (ln == max_lines - 1)
				break;
			ln++;
			at = 0;
		}
		if (ln == max_lines - 1 && at + wi > limit_last)
			break;
		x[i] = at;
		line[i] = ln;
		at += wi + gap;
	}
	*end_x = at;
	*end_line = ln;
	return i;
}

void
scale_flow(const double *w, int n, double max_w, int max_lines, double gap, double more_w,
	   double *x, int *line, struct scale_flow *f)
{
	double end_x;
	int end_line;

	memset(f, 0, sizeof(*f));
	if (n <= 0 || max_lines < 1 || !(max_w > 0))
		return;
	f->shown = flow_try(w, n, max_w, max_lines, gap, max_w, x, line, &end_x, &end_line);
	if (f->shown == n) {
		f->lines = line[n - 1] + 1;
		return;
	}
	/* not all fit: again, keeping room for "+ N more" at the end of the last line */
	f->shown = flow_try(w, n, max_w, max_lines, gap, max_w - gap - more_w, x, line, &end_x,
			    &end_line);
	f->more_x = end_x;
	f->more_line = end_line;
	f->lines = f->more_line + 1;
}
