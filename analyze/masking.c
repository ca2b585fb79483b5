/*
 * ERB-band masking between every ordered pair of stems (see
 * include/mixmaster/stems.h for the model). Per pair and band a histogram of
 * the unclipped masker-to-signal ratio is kept, so M and MCF can be read for
 * any gains applied to the stems afterwards; a second histogram holds the
 * cells of the frames where the masked stem is at its peaks. Per pair also
 * the masked stem's energy by the masker's level (what a duck takes).
 */
#include "mixmaster/stems.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../dsp/internal.h"

/* MSR histogram: 1 dB bins from -40 to +40 dB. Values outside land in the
 * edge bins, whose sums keep their true values; automix's relative gains
 * stay within 36 dB (-24..+12), so nothing below -40 dB can cross 0 dB. */
#define MSR_MIN_DB (-40.0)
#define MSR_BINS 80
/* Spreading (DOMAIN.md section 5): -10 dB per ERB upward, -25 dB per ERB
 * downward; the threshold sits 6 dB under the spread energy. */
#define SPREAD_UP_DB_PER_ERB 10.0
#define SPREAD_DOWN_DB_PER_ERB 25.0
#define THRESHOLD_OFFSET_DB 6.0
/* A cell counts when B's band is within 30 dB of B's strongest band in the
 * frame, and the frame is not silent: above zero and within 60 dB of B's
 * loudest frame so far (a noise floor or bleed between notes does not
 * count). Both limits are relative, so scaling every stem changes nothing. */
#define RANGE_DB 30.0
#define FLOOR_DB 60.0
/* A frame is one of B's peaks when it lies within 6 dB of B's loudest frame
 * so far: for a kick (a hit decaying with a time constant of about 200 ms,
 * 8.7 dB per time constant) that is the stroke and the first 140 ms of its
 * decay; a sustained part is at its peaks most of the time. The peak cells
 * are counted a second time in their own histogram: what a cut or a duck on
 * A does where B is strongest (mm_masking_pair_peaks). */
#define PEAK_DB 6.0
/* Energy of B by A's frame level (mm_masking_energy_by_level): 1 dB bins
 * of A's strongest band from +10 dB down to -150 dB, plus one for frames
 * where A is silent or below its floor. */
#define LEVEL_TOP_DB 10.0
#define LEVEL_BINS 160
#define MAX_STEMS 32

typedef struct cell_bin {
    uint32_t count;
    float sum; /* sum of the unclipped MSR values, dB */
} cell_bin;

/* A histogram bin over every frame and over B's peaks, side by side: one
 * cache line takes both updates. */
typedef struct cell_bins {
    cell_bin all, peak;
} cell_bins;

struct mm_masking {
    int n, nb;
    double band_hz[MM_ERB_MAX_BANDS];
    double step_erb;
    float a_up, a_dn, t_off;
    cell_bins *hist;  /* [n*(n-1)][nb][MSR_BINS]: every frame, and B's peaks */
    double *joint;    /* [n*(n-1)][LEVEL_BINS + 1] B's energy by A's level bin */
    int *level_bin;   /* [n] this frame's level bin per stem */
    double *energy;   /* [n] this frame's energy per stem (sum over bands) */
    float *tdb, *edb; /* [n][nb] per frame */
    unsigned char *valid; /* [n][nb] */
    unsigned char *present; /* [n] */
    unsigned char *at_peak; /* [n] */
    double *loudest;  /* [n] largest band energy seen so far per stem */
    double *up, *dn;  /* [nb] scratch */
    unsigned long long frames;
};

static size_t pair_index(int n, int a, int b) { return (size_t)a * (size_t)(n - 1) + (size_t)(b < a ? b : b - 1); }

mm_masking *mm_masking_create(int stems, int bands, const double *band_hz, int *err)
{
    int st = MM_ERR_INVALID_ARG;
    mm_masking *m = NULL;
    if (stems < 2 || stems > MAX_STEMS || bands < 2 || bands > MM_ERB_MAX_BANDS || !band_hz) goto fail;
    st = MM_ERR_NOMEM;
    m = calloc(1, sizeof *m);
    if (!m) goto fail;
    m->n = stems;
    m->nb = bands;
    memcpy(m->band_hz, band_hz, (size_t)bands * sizeof(double));
    /* the band spacing in ERB, from the centres */
    double z0 = 21.4 * log10(1.0 + 0.00437 * band_hz[0]), z1 = 21.4 * log10(1.0 + 0.00437 * band_hz[1]);
    m->step_erb = z1 - z0;
    m->a_up = (float)pow(10.0, -SPREAD_UP_DB_PER_ERB * m->step_erb / 10.0);
    m->a_dn = (float)pow(10.0, -SPREAD_DOWN_DB_PER_ERB * m->step_erb / 10.0);
    m->t_off = (float)pow(10.0, -THRESHOLD_OFFSET_DB / 10.0);
    size_t pairs = (size_t)stems * (size_t)(stems - 1), cells;
    if (!mm__size_mul(pairs, (size_t)bands * MSR_BINS, &cells)) goto fail;
    m->hist = calloc(cells, sizeof *m->hist);
    m->joint = calloc(pairs * (LEVEL_BINS + 1), sizeof *m->joint);
    m->level_bin = calloc((size_t)stems, sizeof *m->level_bin);
    m->energy = calloc((size_t)stems, sizeof *m->energy);
    m->tdb = calloc((size_t)stems * (size_t)bands, sizeof(float));
    m->edb = calloc((size_t)stems * (size_t)bands, sizeof(float));
    m->valid = calloc((size_t)stems * (size_t)bands, 1);
    m->present = calloc((size_t)stems, 1);
    m->at_peak = calloc((size_t)stems, 1);
    m->loudest = calloc((size_t)stems, sizeof(double));
    m->up = calloc((size_t)bands, sizeof(double));
    m->dn = calloc((size_t)bands, sizeof(double));
    if (!m->hist || !m->joint || !m->level_bin || !m->energy || !m->tdb || !m->edb || !m->valid ||
        !m->present || !m->at_peak || !m->loudest || !m->up || !m->dn)
        goto fail;
    if (err) *err = MM_OK;
    return m;
fail:
    mm_masking_destroy(m);
    if (err) *err = st;
    return NULL;
}

void mm_masking_destroy(mm_masking *m)
{
    if (!m) return;
    free(m->hist);
    free(m->joint);
    free(m->level_bin);
    free(m->energy);
    free(m->tdb);
    free(m->edb);
    free(m->valid);
    free(m->present);
    free(m->at_peak);
    free(m->loudest);
    free(m->up);
    free(m->dn);
    free(m);
}

void mm_masking_reset(mm_masking *m)
{
    if (!m) return;
    const size_t cells = (size_t)m->n * (size_t)(m->n - 1) * (size_t)m->nb * MSR_BINS;
    memset(m->hist, 0, cells * sizeof *m->hist);
    memset(m->joint, 0, (size_t)m->n * (size_t)(m->n - 1) * (LEVEL_BINS + 1) * sizeof *m->joint);
    memset(m->loudest, 0, (size_t)m->n * sizeof(double));
    m->frames = 0;
}

unsigned long long mm_masking_frames(const mm_masking *m) { return m ? m->frames : 0; }

static float db10(double x) { return (float)(10.0 * log10(x > 1e-30 ? x : 1e-30)); }

/* Level bin of a frame whose strongest band holds mean square `mx` (> 0). */
static int level_bin_of(double mx)
{
    double k = floor(LEVEL_TOP_DB - 10.0 * log10(mx));
    return k < 0 ? 0 : k > LEVEL_BINS - 1 ? LEVEL_BINS - 1 : (int)k;
}

int mm_masking_add_frame(mm_masking *m, const float *const band_energy[])
{
    if (!m || !band_energy) return MM_ERR_INVALID_ARG;
    const int n = m->n, nb = m->nb;
    /* per stem: levels, threshold after spreading, counted bands, whether
     * the frame is one of the stem's peaks and its level bin */
    for (int i = 0; i < n; i++) {
        const float *e = band_energy[i];
        m->present[i] = m->at_peak[i] = 0;
        m->level_bin[i] = LEVEL_BINS;
        m->energy[i] = 0;
        if (!e) continue;
        double mx = 0, sum = 0;
        for (int k = 0; k < nb; k++) {
            if (e[k] > mx) mx = e[k];
            sum += e[k];
        }
        m->energy[i] = sum;
        if (mx > m->loudest[i]) m->loudest[i] = mx;
        if (!(mx > 0) || mx < m->loudest[i] * pow(10.0, -FLOOR_DB / 10.0)) continue;
        m->present[i] = 1;
        m->level_bin[i] = level_bin_of(mx);
        m->at_peak[i] = mx >= m->loudest[i] * pow(10.0, -PEAK_DB / 10.0);
        float *tdb = m->tdb + (size_t)i * (size_t)nb, *edb = m->edb + (size_t)i * (size_t)nb;
        unsigned char *v = m->valid + (size_t)i * (size_t)nb;
        const double floor_ms = mx * pow(10.0, -RANGE_DB / 10.0);
        /* two one-pole passes along the band axis: up[k] holds the energy
         * of bands <= k decayed by a_up per step, dn[k] of bands >= k */
        double acc = 0;
        for (int k = 0; k < nb; k++) {
            acc = acc * m->a_up + e[k];
            m->up[k] = acc;
        }
        acc = 0;
        for (int k = nb - 1; k >= 0; k--) {
            acc = acc * m->a_dn + e[k];
            m->dn[k] = acc;
        }
        for (int k = 0; k < nb; k++) {
            tdb[k] = db10((m->up[k] + m->dn[k] - e[k]) * m->t_off);
            edb[k] = db10(e[k]);
            v[k] = e[k] >= floor_ms;
        }
    }
    /* b's energy by a's level */
    for (int b = 0; b < n; b++) {
        if (!(m->energy[b] > 0)) continue;
        for (int a = 0; a < n; a++)
            if (a != b) m->joint[pair_index(n, a, b) * (LEVEL_BINS + 1) + (size_t)m->level_bin[a]] += m->energy[b];
    }
    for (int a = 0; a < n; a++) {
        if (!m->present[a]) continue;
        const float *ta = m->tdb + (size_t)a * (size_t)nb;
        for (int b = 0; b < n; b++) {
            if (b == a || !m->present[b]) continue;
            const float *eb = m->edb + (size_t)b * (size_t)nb;
            const unsigned char *vb = m->valid + (size_t)b * (size_t)nb;
            cell_bins *h = m->hist + pair_index(n, a, b) * (size_t)nb * MSR_BINS;
            const int pk = m->at_peak[b];
            for (int k = 0; k < nb; k++, h += MSR_BINS) {
                if (!vb[k]) continue;
                float msr = ta[k] - eb[k];
                int bin = (int)floorf(msr - (float)MSR_MIN_DB);
                if (bin < 0) bin = 0;
                if (bin >= MSR_BINS) bin = MSR_BINS - 1;
                h[bin].all.count++;
                h[bin].all.sum += msr;
                if (pk) {
                    h[bin].peak.count++;
                    h[bin].peak.sum += msr;
                }
            }
        }
    }
    m->frames++;
    return MM_OK;
}

/* Clipped-MSR sum, positive-cell count and cell count of one band's
 * histogram with every value shifted by `shift` dB. */
static void band_stats(const cell_bins *hb, int peaks, double shift, double *sum, double *pos, double *cells)
{
    for (int j = 0; j < MSR_BINS; j++) {
        const cell_bin *h = peaks ? &hb[j].peak : &hb[j].all;
        if (!h->count) continue;
        double c = h->count, v = (double)h->sum / c + shift;
        *cells += c;
        if (v > 0) {
            *pos += c;
            *sum += c * (v > 20.0 ? 20.0 : v);
        }
    }
}

/* M and MCF of a on b over every frame, or (peaks) over b's peaks. */
static int pair_stats(const mm_masking *m, int peaks, int a, int b, double gain_a_db, double gain_b_db, double lo_hz,
                      double hi_hz, const double *band_shift_db, mm_masking_result *out)
{
    if (!m || !out || a < 0 || b < 0 || a >= m->n || b >= m->n || a == b) return MM_ERR_INVALID_ARG;
    const cell_bins *h = m->hist + pair_index(m->n, a, b) * (size_t)m->nb * MSR_BINS;
    double sum = 0, pos = 0, cells = 0;
    for (int k = 0; k < m->nb; k++) {
        if (m->band_hz[k] < lo_hz || m->band_hz[k] > hi_hz) continue;
        double shift = gain_a_db - gain_b_db + (band_shift_db ? band_shift_db[k] : 0.0);
        band_stats(h + (size_t)k * MSR_BINS, peaks, shift, &sum, &pos, &cells);
    }
    out->cells = cells;
    out->m_db = cells > 0 ? sum / cells : 0.0;
    out->mcf = cells > 0 ? pos / cells : 0.0;
    return MM_OK;
}

int mm_masking_pair(const mm_masking *m, int a, int b, double gain_a_db, double gain_b_db, double lo_hz,
                    double hi_hz, const double *band_shift_db, mm_masking_result *out)
{
    return pair_stats(m, 0, a, b, gain_a_db, gain_b_db, lo_hz, hi_hz, band_shift_db, out);
}

int mm_masking_pair_peaks(const mm_masking *m, int a, int b, double gain_a_db, double gain_b_db, double lo_hz,
                          double hi_hz, const double *band_shift_db, mm_masking_result *out)
{
    return pair_stats(m, 1, a, b, gain_a_db, gain_b_db, lo_hz, hi_hz, band_shift_db, out);
}

int mm_masking_pair_bands(const mm_masking *m, int a, int b, double gain_a_db, double gain_b_db, double *msr_db,
                          double *cells)
{
    if (!m || !msr_db || !cells || a < 0 || b < 0 || a >= m->n || b >= m->n || a == b) return MM_ERR_INVALID_ARG;
    const cell_bins *h = m->hist + pair_index(m->n, a, b) * (size_t)m->nb * MSR_BINS;
    for (int k = 0; k < m->nb; k++) {
        double sum = 0, pos = 0, c = 0;
        band_stats(h + (size_t)k * MSR_BINS, 0, gain_a_db - gain_b_db, &sum, &pos, &c);
        msr_db[k] = c > 0 ? sum / c : 0.0;
        cells[k] = c;
    }
    return MM_OK;
}

int mm_masking_energy_by_level(const mm_masking *m, int a, int b, double *share, int bins)
{
    if (!m || !share || bins < 2 || a < 0 || b < 0 || a >= m->n || b >= m->n || a == b) return MM_ERR_INVALID_ARG;
    const double *j = m->joint + pair_index(m->n, a, b) * (LEVEL_BINS + 1);
    double total = 0;
    for (int k = 0; k <= LEVEL_BINS; k++) total += j[k];
    for (int k = 0; k < bins; k++) share[k] = 0;
    if (!(total > 0)) return MM_OK;
    const int top = m->loudest[a] > 0 ? level_bin_of(m->loudest[a]) : LEVEL_BINS;
    for (int k = 0; k <= LEVEL_BINS; k++) {
        int d = k < top ? 0 : k - top; /* a bin above the top (never) counts as the top */
        if (k == LEVEL_BINS || d > bins - 1) d = bins - 1;
        share[d] += j[k] / total;
    }
    return MM_OK;
}
