// Winograd F(2x2, 3x3) for 2D 3x3 convolutions with stride 1, dilation 1 and one group (channels_last).
// Per 2x2 tile of output positions, with d its 4x4 input window, g a 3x3 kernel slice and xi one of 16 cells:
//   V = B^T d B (per channel)   U = G g G^T (per channel, filter)   M_xi (tiles, f) = V_xi (tiles, c) . U_xi (c, f)
//   z tile = A^T M A            (Lavin & Gray 2015: 16 products per tile instead of 36, 2.25x fewer MACs)
// The transforms are adds along the channels, contiguous in channels_last, so they vectorize; the 16
// products are the packed GEMM. A block of tiles keeps its V and M in a core's L2; blocks are pool tasks.
// The input gradient of such a conv is one too: dz convolved with the kernel flipped and transposed.
#include "kiln_runtime.h"
#include "kiln_internal.h"

#include <stdlib.h>

#define CELLS 16
#define MIN_TILES 32          // fewer: the weight transform costs more than the products save
#define BLOCK_BYTES (1 << 20) // V and M of one block: 16 * tiles * (c + f) floats
#define PARALLEL_MIN_MACS 1000000.0
#define CELL_PAD 16  // floats between cells of V and M: a stride of whole pages would put all 16 in one L1 set

static int winograd_enabled = 1;

int kiln_conv_set_winograd(int enabled) {
    int was = winograd_enabled;
    winograd_enabled = enabled != 0;
    return was;
}

// One F(2x2,3x3) pass: out (n, oh, ow, f) (=, or += when acc) from inp (n, h, w, c) padded by (ph, pw) before;
// or of one sample, only output rows [row0, row0 + rows) (a band: out holds those rows alone).
typedef struct {
    int h, w, c, oh, ow, f, ph, pw;
    int th, tw;             // tiles per sample along each axis
    long tiles;             // n * th * tw
    int block;              // tiles per block
    int row0, rows;         // the output rows kept: [0, oh) but in a band
    const float *inp;
    float *out;             // z
    int acc;
    const kiln_epilogue *e; // applied to each block's outputs as they are written (y, z)
    float *y;
    float *packed[CELLS];   // U_xi (c, f) packed for the GEMM, per cell (owned by the kiln_winograd)
    float *zeros;           // c zeros: the padding (owned likewise)
} wino_pass;

static int applies(const kiln_conv_geometry *g, int n) {
    if (!winograd_enabled || g->groups != 1 || g->k[0] != 1 || g->k[1] != 3 || g->k[2] != 3 || g->in[0] != 1) return 0;
    if (g->stride[1] != 1 || g->stride[2] != 1 || g->dilation[1] != 1 || g->dilation[2] != 1 || g->pad[0] != 0) return 0;
    // Thin layers: the transforms' traffic outweighs the saved products. Deep ones: a block holds few tiles,
    // and each block streams all of U (16 c f floats), so they need many tiles to pay for it (bench/conv).
    if (g->c < 16 || g->f < 16 || g->c + g->f > 512) return 0;
    const long tiles = (long)n * ((g->out[1] + 1) / 2) * ((g->out[2] + 1) / 2);
    return tiles >= MIN_TILES && tiles >= (long)g->c * g->f / 64;
}

// u (16, c, f) = G k G^T for each (channel, filter) of kernel k (3, 3, c, f); flip: of k flipped in space and
// transposed, k' (3, 3, f, c) with k'[i][j][a][b] = k[2-i][2-j][b][a], still stored (16, f, c) as u[xi][a][b].
KILN_VECTOR_CLONES static void transform_kernel(float *u, const float *k, int c, int f, int flip) {
    const long cf = (long)c * f;
    const int rows = flip ? f : c, cols = flip ? c : f;
    for (int a = 0; a < rows; a++)
        for (int b = 0; b < cols; b++) {
            float t[3][3], s[4][3];
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++)
                    t[i][j] = flip ? k[((2 - i) * 3 + (2 - j)) * cf + (long)b * f + a] : k[(i * 3 + j) * cf + (long)a * f + b];
            for (int j = 0; j < 3; j++) {  // G (4x3) . t
                s[0][j] = t[0][j];
                s[1][j] = 0.5f * (t[0][j] + t[1][j] + t[2][j]);
                s[2][j] = 0.5f * (t[0][j] - t[1][j] + t[2][j]);
                s[3][j] = t[2][j];
            }
            for (int i = 0; i < 4; i++) {  // . G^T
                float *d = u + (long)(i * 4) * cf + (long)a * cols + b;
                d[0] = s[i][0];
                d[cf] = 0.5f * (s[i][0] + s[i][1] + s[i][2]);
                d[2 * cf] = 0.5f * (s[i][0] - s[i][1] + s[i][2]);
                d[3 * cf] = s[i][2];
            }
        }
}

// v (a v16f) = the n < 16 floats at src, zero past them; and the first n floats of v back to dst.
// (Macros: a v16f argument would change the ABI of the clones without AVX-512.)
#define LOAD_PART(v, src, n) ((v) = (v16f){0}, __builtin_memcpy(&(v), (src), sizeof(float) * (size_t)(n)))
#define STORE_PART(dst, v, n) __builtin_memcpy((dst), &(v), sizeof(float) * (size_t)(n))

// v (16, tiles, c) (cells CELL_PAD apart) = B^T d B for tiles [t0, t0+nt) of the pass, each row of d read in place or from zeros.
KILN_VECTOR_CLONES static void transform_input(float *v, const wino_pass *p, long t0, int nt) {
    const int c = p->c;
    const long cell = (long)nt * c + CELL_PAD;
    for (int t = 0; t < nt; t++) {
        const long tile = t0 + t;
        const int s = (int)(tile / ((long)p->th * p->tw)), r = (int)(tile % ((long)p->th * p->tw));
        const int i0 = r / p->tw * 2 - p->ph, j0 = r % p->tw * 2 - p->pw;
        const float *x = p->inp + (long)s * p->h * p->w * c;
        const float *d[4][4];
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++) {
                const int ii = i0 + i, jj = j0 + j;
                d[i][j] = ii >= 0 && ii < p->h && jj >= 0 && jj < p->w ? x + ((long)ii * p->w + jj) * c : p->zeros;
            }
        float *vt = v + (long)t * c;
        for (int ch = 0; ch < c; ch += 16) {
            const int width = c - ch < 16 ? c - ch : 16;
            v16f e[4][4];
            for (int j = 0; j < 4; j++) {  // B^T . d, by columns
                v16f q[4];
                for (int i = 0; i < 4; i++) {
                    if (width == 16)
                        KILN_LOADV(q[i], d[i][j] + ch);
                    else
                        LOAD_PART(q[i], d[i][j] + ch, width);
                }
                e[0][j] = q[0] - q[2];
                e[1][j] = q[1] + q[2];
                e[2][j] = q[2] - q[1];
                e[3][j] = q[1] - q[3];
            }
            for (int i = 0; i < 4; i++) {  // . B, by rows
                const v16f o[4] = {e[i][0] - e[i][2], e[i][1] + e[i][2], e[i][2] - e[i][1], e[i][1] - e[i][3]};
                for (int j = 0; j < 4; j++) {
                    float *dst = vt + (long)(i * 4 + j) * cell + ch;
                    if (width == 16)
                        KILN_STOREV(dst, o[j]);
                    else
                        STORE_PART(dst, o[j], width);
                }
            }
        }
    }
}

// out's 2x2 tiles [t0, t0+nt) (=, or +=) A^T M A from m (16, tiles, f) (cells CELL_PAD apart); positions past oh, ow go to discard (f).
KILN_VECTOR_CLONES static void transform_output(const wino_pass *p, const float *m, long t0, int nt, float *discard) {
    const int f = p->f;
    const long cell = (long)nt * f + CELL_PAD;
    for (int t = 0; t < nt; t++) {
        const long tile = t0 + t;
        const int s = (int)(tile / ((long)p->th * p->tw)), r = (int)(tile % ((long)p->th * p->tw));
        const int o0 = r / p->tw * 2 - p->row0, q0 = r % p->tw * 2;
        float *z = p->out + (long)s * p->rows * p->ow * f;
        float *o[2][2];
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++) {
                const int row = o0 + i;
                o[i][j] = row >= 0 && row < p->rows && q0 + j < p->ow ? z + ((long)row * p->ow + q0 + j) * f : discard;
            }
        const float *mt = m + (long)t * f;
        for (int fo = 0; fo < f; fo += 16) {
            const int width = f - fo < 16 ? f - fo : 16;
            v16f a[2][4];
            for (int j = 0; j < 4; j++) {  // A^T . M, by columns
                v16f q[4];
                for (int i = 0; i < 4; i++) {
                    const float *src = mt + (long)(i * 4 + j) * cell + fo;
                    if (width == 16)
                        KILN_LOADV(q[i], src);
                    else
                        LOAD_PART(q[i], src, width);
                }
                a[0][j] = q[0] + q[1] + q[2];
                a[1][j] = q[1] - q[2] - q[3];
            }
            for (int i = 0; i < 2; i++) {  // . A, by rows
                v16f y[2] = {a[i][0] + a[i][1] + a[i][2], a[i][1] - a[i][2] - a[i][3]};
                for (int j = 0; j < 2; j++) {
                    float *dst = o[i][j] + fo;
                    if (width == 16) {
                        if (p->acc) {
                            v16f old;
                            KILN_LOADV(old, dst);
                            y[j] += old;
                        }
                        KILN_STOREV(dst, y[j]);
                    } else {
                        if (p->acc) {
                            v16f old;
                            LOAD_PART(old, dst, width);
                            y[j] += old;
                        }
                        STORE_PART(dst, y[j], width);
                    }
                }
            }
        }
    }
}

// The epilogue over the outputs of tiles [t0, t0+nt): each run of tiles in one tile row covers two
// spans of adjacent positions.
static void block_epilogue(const wino_pass *p, long t0, int nt) {
    const int f = p->f;
    for (long t = t0; t < t0 + nt;) {
        const long row = t / p->tw;  // tile row over the batch
        const long end = (row + 1) * p->tw < t0 + nt ? (row + 1) * p->tw : t0 + nt;
        const int s = (int)(row / p->th), o0 = (int)(row % p->th) * 2;
        const int q0 = (int)(t % p->tw) * 2, q1 = (int)((end - 1) % p->tw) * 2 + 2;
        const int width = (q1 < p->ow ? q1 : p->ow) - q0;
        for (int i = o0; i < o0 + 2 && i < p->oh; i++) {
            const long at = (((long)s * p->oh + i) * p->ow + q0) * f;
            kiln_apply_epilogue(p->e, p->y + at, p->out + at, width, f);
        }
        t = end;
    }
}

// Tiles [t0, t0+nt): V, the 16 products, then the outputs (and their epilogue).
static void run_tiles(const wino_pass *p, long t0, int nt) {
    const long vcell = (long)nt * p->c + CELL_PAD, mcell = (long)nt * p->f + CELL_PAD;
    float *v = kiln_conv_scratch((size_t)(CELLS * (vcell + mcell) + p->f));
    float *m = v + CELLS * vcell, *discard = m + CELLS * mcell;
    memset(discard, 0, sizeof(float) * (size_t)p->f);
    transform_input(v, p, t0, nt);
    for (int xi = 0; xi < CELLS; xi++)
        kiln_gemm_prepacked(nt, p->f, p->c, v + xi * vcell, p->c, 1, p->packed[xi], m + xi * mcell, p->f, 0);
    transform_output(p, m, t0, nt, discard);
    if (p->e) block_epilogue(p, t0, nt);
}

static void block_task(void *ctx, int b) {
    const wino_pass *p = ctx;
    const long t0 = (long)b * p->block;
    run_tiles(p, t0, (int)(p->tiles - t0 < p->block ? p->tiles - t0 : p->block));
}

struct kiln_winograd {
    wino_pass p;  // the shape, tiles of the whole batch, the packed kernel and zeros; no V or M
};

// The pass's tiling and its transformed, packed kernel k (3, 3, c, f) (flip: the input gradient's kernel).
static kiln_winograd *prepare(const wino_pass *shape, const float *k, int n, int kc, int kf, int flip) {
    kiln_winograd *w = calloc(1, sizeof *w);
    float *u = malloc(sizeof(float) * CELLS * (size_t)kc * kf);
    if (!w || !u) abort();
    wino_pass *p = &w->p;
    *p = *shape;
    p->th = (p->oh + 1) / 2;
    p->tw = (p->ow + 1) / 2;
    p->tiles = (long)n * p->th * p->tw;
    p->row0 = 0;
    p->rows = p->oh;
    const int block = BLOCK_BYTES / (int)(sizeof(float) * CELLS * (p->c + p->f));
    p->block = block < 16 ? 16 : block > 256 ? 256 : block / 8 * 8;
    transform_kernel(u, k, kc, kf, flip);
    for (int xi = 0; xi < CELLS; xi++) {  // u_xi (c, f) for the GEMM
        p->packed[xi] = kiln_gemm_pack_b(u + (long)xi * kc * kf, p->f, 1, p->c, p->f);
        if (!p->packed[xi]) abort();
    }
    free(u);
    p->zeros = calloc((size_t)p->c, sizeof(float));
    if (!p->zeros) abort();
    return w;
}

void kiln_winograd_free(kiln_winograd *w) {
    if (!w) return;
    for (int xi = 0; xi < CELLS; xi++) free(w->p.packed[xi]);
    free(w->p.zeros);
    free(w);
}

// The whole batch, its blocks over the pool.
static void execute(kiln_winograd *w) {
    wino_pass *p = &w->p;
    const int threads = kiln_get_num_threads();
    const int parallel = threads > 1 && (double)p->tiles * CELLS * p->c * p->f >= PARALLEL_MIN_MACS;
    long blocks = (p->tiles + p->block - 1) / p->block;
    if (parallel && blocks < 4L * threads) {  // enough blocks for both cores: smaller ones
        const long want = 4L * threads;
        const int block = (int)((p->tiles + want - 1) / want);
        p->block = block < 8 ? 8 : (block + 7) / 8 * 8;
        blocks = (p->tiles + p->block - 1) / p->block;
    }
    if (parallel && blocks > 1)
        kiln_parallel_for((int)blocks, block_task, p);
    else
        for (long b = 0; b < blocks; b++) block_task(p, (int)b);
}

kiln_winograd *kiln_winograd_prepare(const kiln_conv_geometry *g, const float *kernel, int n) {
    if (!applies(g, n)) return NULL;
    const wino_pass shape = {.h = g->in[1], .w = g->in[2], .c = g->c, .oh = g->out[1], .ow = g->out[2], .f = g->f,
                             .ph = g->pad[1], .pw = g->pad[2]};
    return prepare(&shape, kernel, n, g->c, g->f, 0);
}

void kiln_winograd_rows(const kiln_winograd *w, float *z, const float *x, int row0, int rows) {
    wino_pass p = w->p;
    p.inp = x;
    p.out = z;
    p.row0 = row0;
    p.rows = rows;
    const long t0 = (long)(row0 / 2) * p.tw, t1 = (long)((row0 + rows + 1) / 2) * p.tw;
    for (long t = t0; t < t1; t += p.block) run_tiles(&p, t, (int)(t1 - t < p.block ? t1 - t : p.block));
}

int kiln_winograd_forward(float *y, float *z, const float *inp, const float *kernel, int n, const kiln_conv_geometry *g,
                          const kiln_epilogue *e) {
    kiln_winograd *w = kiln_winograd_prepare(g, kernel, n);
    if (!w) return 0;
    w->p.inp = inp;
    w->p.out = z;
    w->p.e = e;
    w->p.y = y;
    execute(w);
    kiln_winograd_free(w);
    return 1;
}

int kiln_winograd_backward_input(float *dinp, const float *dz, const float *kernel, int n, const kiln_conv_geometry *g) {
    if (!applies(g, n)) return 0;
    // dinp = dz (n, out, f) padded by 2 - pad, convolved with k' (3, 3, f, c): the output is the input's size.
    const wino_pass shape = {.h = g->out[1], .w = g->out[2], .c = g->f, .oh = g->in[1], .ow = g->in[2], .f = g->c,
                             .ph = 2 - g->pad[1], .pw = 2 - g->pad[2], .inp = dz, .out = dinp, .acc = 1};
    kiln_winograd *w = prepare(&shape, kernel, n, g->c, g->f, 1);
    execute(w);
    kiln_winograd_free(w);
    return 1;
}
