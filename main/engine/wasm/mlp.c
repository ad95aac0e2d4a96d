// The `simd` kernel: forward, backward and the optimizer step of any MLP the config allows, for many
// networks at once (the runs of a batch, or the grid points of a cost surface), in float32 WebAssembly
// SIMD. Built by scripts/build-wasm.mjs with Debian's clang for wasm32 (-msimd128); the bytes are
// committed in mlp.wasm.ts and a test checks they match this source.
//
// Layout. The caller's flat parameter vector (W_l row-major [fan_in][fan_out], then b_l) is kept here
// with every fan_out padded to a multiple of 4 (`pad`), so each row of W_l and b_l is whole f32x4
// vectors. Padding is 0 and stays 0: its gradient is exactly 0, so every optimizer leaves it there.
// Activations are sample-major, [CHUNK][pad[l]], so every layer is one matrix product
//   C[rows][np] (+)= Σ_i A[row][i] · B[i][np]
// vectorised over the output columns. The backward pass uses the same product: ∇W = aᵀ·δ with a
// transposed, and the signal below, δ·Wᵀ, with W transposed. Hidden activations are f32x4 polynomials;
// the output layer's loss is scalar float64, as the js kernel computes it, and so are loss sums.
#include <stdint.h>
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))
#define MAXL 9    /* weight layers: 8 hidden layers and the output (shared/config.ts LIMITS.depth) */
#define CHUNK 64  /* samples per pass: a 1024-wide layer's activations stay at 256 KB */

typedef v128_t f4;

enum { RELU, TANH, SIGMOID, LINEAR };
enum { OUT_LINEAR, OUT_SIGMOID, OUT_SOFTMAX };
enum { LOSS_L2, LOSS_L1, LOSS_NLL };
enum { SGD, MOMENTUM, RMSPROP, MOMENTUM_RMSPROP, ADAM };

// ---- memory: a bump allocator over the module's own memory (one instance serves one job) ----

extern unsigned char __heap_base;
static uintptr_t heap_top = (uintptr_t)&__heap_base;

EXPORT(alloc) void *alloc(int bytes) {
  uintptr_t at = (heap_top + 15) & ~(uintptr_t)15;
  uintptr_t end = at + (uintptr_t)bytes;
  uintptr_t have = __builtin_wasm_memory_size(0) * 65536u;
  if (end > have && __builtin_wasm_memory_grow(0, (end - have + 65535) / 65536) < 0) return 0;
  heap_top = end;
  return (void *)at;
}

/** Frees everything allocated after `at` (a value alloc returned). */
EXPORT(heap_reset) void heap_reset(void *at) { heap_top = (uintptr_t)at; }

// ---- the network ----

static int L;                 /* weight layers */
static int size[MAXL + 1];    /* units per layer, input first */
static int pad[MAXL + 1];     /* units rounded up to a multiple of 4 */
static int act[MAXL];         /* activation of hidden layer l + 1 */
static int out_kind, loss_kind;
static int woff[MAXL], boff[MAXL];
static int P;                 /* padded parameter count */
static int cw[MAXL], cb[MAXL]; /* the compact layout's offsets of W_l and b_l (the caller's, and lanes') */
static int NP;                /* compact parameter count */
static int ywidth;            /* target values per sample: 1 (a class index) for softmax */

static float *Z[MAXL + 1], *A[MAXL + 1]; /* pre-activations and activations, [CHUNK][pad] */
static float *T;                          /* targets, [CHUNK][ywidth] */
static float *D0, *D1;                    /* backward signals, [CHUNK][max pad] */
static float *WT;                         /* a layer's weights transposed, [max size][max pad] */
static float *G;                          /* the gradient, [P] */

static int round4(int n) { return (n + 3) & ~3; }

/** Describes the network; returns its padded parameter count, or 0 when memory ran out. */
EXPORT(net_init) int net_init(int layers, const int *sizes, const int *acts, int output, int loss) {
  L = layers;
  int widest = 0;
  for (int l = 0; l <= L; l++) {
    size[l] = sizes[l];
    pad[l] = round4(sizes[l]);
    if (pad[l] > widest) widest = pad[l];
  }
  for (int l = 0; l + 1 < L; l++) act[l] = acts[l];
  out_kind = output;
  loss_kind = loss;
  ywidth = output == OUT_SOFTMAX ? 1 : size[L];
  P = 0;
  NP = 0;
  for (int l = 0; l < L; l++) {
    woff[l] = P;
    boff[l] = P + size[l] * pad[l + 1];
    P = boff[l] + pad[l + 1];
    cw[l] = NP;
    cb[l] = NP + size[l] * size[l + 1];
    NP = cb[l] + size[l + 1];
  }
  for (int l = 0; l <= L; l++) {
    Z[l] = alloc(CHUNK * pad[l] * 4);
    A[l] = alloc(CHUNK * pad[l] * 4);
  }
  T = alloc(CHUNK * round4(ywidth) * 4);
  D0 = alloc(CHUNK * widest * 4);
  D1 = alloc(CHUNK * widest * 4);
  WT = alloc(widest * widest * 4);
  G = alloc(P * 4);
  return G ? P : 0;
}

// ---- float32 vector math ----

static inline f4 vexp(f4 x) {
  // exp(x) = 2^k · e^r, k = round(x/ln 2), |r| ≤ ln2/2; degree-7 Taylor in r (relative error < 1e-8).
  x = wasm_f32x4_pmin(wasm_f32x4_pmax(x, wasm_f32x4_splat(-87.3f)), wasm_f32x4_splat(88.3f));
  f4 k = wasm_f32x4_nearest(wasm_f32x4_mul(x, wasm_f32x4_splat(1.44269504f)));
  f4 r = wasm_f32x4_sub(x, wasm_f32x4_mul(k, wasm_f32x4_splat(0.693359375f)));
  r = wasm_f32x4_sub(r, wasm_f32x4_mul(k, wasm_f32x4_splat(-2.12194440e-4f)));
  f4 p = wasm_f32x4_splat(1.f / 5040);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.f / 720));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.f / 120));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.f / 24));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.f / 6));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(0.5f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.f));
  f4 scale = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(k), wasm_i32x4_splat(127)), 23);
  return wasm_f32x4_mul(p, scale);
}

static void activate(int code, const float *z, float *a, int len) {
  const f4 one = wasm_f32x4_splat(1.f);
  for (int i = 0; i < len; i += 4) {
    f4 v = wasm_v128_load(z + i);
    switch (code) {
      case RELU:
        v = wasm_f32x4_pmax(v, wasm_f32x4_splat(0.f)); /* NaN → 0, as the js kernel's z > 0 ? z : 0 */
        break;
      case TANH: { /* (e^2z − 1)/(e^2z + 1); tanh(±9) is ±1 in float32 */
        f4 c = wasm_f32x4_pmin(wasm_f32x4_pmax(v, wasm_f32x4_splat(-9.f)), wasm_f32x4_splat(9.f));
        f4 e = vexp(wasm_f32x4_add(c, c));
        v = wasm_f32x4_div(wasm_f32x4_sub(e, one), wasm_f32x4_add(e, one));
        break;
      }
      case SIGMOID:
        v = wasm_f32x4_div(one, wasm_f32x4_add(one, vexp(wasm_f32x4_neg(v))));
        break;
      default:
        break;
    }
    wasm_v128_store(a + i, v);
  }
}

/** d ← d ⊙ g'(z), g' written through a = g(z); ReLU'(0) = 1 as the tutorial defines it. */
static void activation_slope(int code, const float *z, const float *a, float *d, int len) {
  const f4 one = wasm_f32x4_splat(1.f);
  for (int i = 0; i < len; i += 4) {
    f4 dv = wasm_v128_load(d + i);
    f4 av = wasm_v128_load(a + i);
    switch (code) {
      case RELU:
        dv = wasm_v128_andnot(dv, wasm_f32x4_lt(wasm_v128_load(z + i), wasm_f32x4_splat(0.f)));
        break;
      case TANH:
        dv = wasm_f32x4_mul(dv, wasm_f32x4_sub(one, wasm_f32x4_mul(av, av)));
        break;
      case SIGMOID:
        dv = wasm_f32x4_mul(dv, wasm_f32x4_mul(av, wasm_f32x4_sub(one, av)));
        break;
      default:
        break;
    }
    wasm_v128_store(d + i, dv);
  }
}

// ---- the one matrix product, register-blocked: NS rows × NV vectors of accumulators ----

enum { START_ZERO, START_BIAS, START_ACCUMULATE };

static inline __attribute__((always_inline)) void block(int NS, int NV, float *C, int ldc, const float *Am, int rs, int cs,
                                                        const float *B, int ldb, int k, const float *bias, int start) {
  f4 acc[2][4];
  for (int s = 0; s < NS; s++)
    for (int v = 0; v < NV; v++)
      acc[s][v] = start == START_ZERO ? wasm_f32x4_splat(0.f)
                  : start == START_BIAS ? wasm_v128_load(bias + 4 * v)
                                        : wasm_v128_load(C + s * ldc + 4 * v);
  for (int i = 0; i < k; i++) {
    f4 b[4];
    for (int v = 0; v < NV; v++) b[v] = wasm_v128_load(B + i * ldb + 4 * v);
    for (int s = 0; s < NS; s++) {
      f4 a = wasm_f32x4_splat(Am[s * rs + i * cs]);
      for (int v = 0; v < NV; v++) acc[s][v] = wasm_f32x4_add(acc[s][v], wasm_f32x4_mul(a, b[v]));
    }
  }
  for (int s = 0; s < NS; s++)
    for (int v = 0; v < NV; v++) wasm_v128_store(C + s * ldc + 4 * v, acc[s][v]);
}

/**
 * C[r][0..np) = start + Σ_{i<k} Am[r·rs + i·cs] · B[i·ldb + 0..np) for r < rows; np is a multiple of 4.
 * A is read through strides, so aᵀ needs no copy. Each B vector loaded serves two rows, and 16
 * columns stay in registers across the whole sum.
 */
static void matmul(float *C, int ldc, const float *Am, int rs, int cs, const float *B, int ldb, int rows, int k, int np,
                   const float *bias, int start) {
  int r = 0;
  for (; r + 2 <= rows; r += 2) {
    const float *a = Am + r * rs;
    int j = 0;
    for (; j + 16 <= np; j += 16) block(2, 4, C + r * ldc + j, ldc, a, rs, cs, B + j, ldb, k, bias + j, start);
    for (; j < np; j += 4) block(2, 1, C + r * ldc + j, ldc, a, rs, cs, B + j, ldb, k, bias + j, start);
  }
  for (; r < rows; r++) {
    const float *a = Am + r * rs;
    int j = 0;
    for (; j + 16 <= np; j += 16) block(1, 4, C + r * ldc + j, ldc, a, rs, cs, B + j, ldb, k, bias + j, start);
    for (; j < np; j += 4) block(1, 1, C + r * ldc + j, ldc, a, rs, cs, B + j, ldb, k, bias + j, start);
  }
}

// ---- float64 scalar math for the output layer (no libc here) ----

static double dexp(double x) {
  if (x != x) return x;
  if (x > 709.78) return __builtin_inf();
  if (x < -745.2) return 0;
  double k = __builtin_nearbyint(x * 1.4426950408889634);
  double r = (x - k * 0.6931471803691238) - k * 1.9082149292705877e-10;
  /* Taylor to r¹³/13! in Horner form (|r| ≤ 0.35: the next term is below 1e-17); the output layer's
     loss calls this per sample, so no divisions. */
  static const double inverse_factorial[14] = {1.0, 1.0, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040,
                                               1.0 / 40320, 1.0 / 362880, 1.0 / 3628800, 1.0 / 39916800, 1.0 / 479001600,
                                               1.0 / 6227020800};
  double p = inverse_factorial[13];
  for (int i = 12; i >= 0; i--) p = p * r + inverse_factorial[i];
  int ki = (int)k;
  union { double d; uint64_t u; } s;
  if (ki < -1000) { /* stay clear of subnormal scales: two steps */
    s.u = (uint64_t)(ki + 1000 + 1023) << 52;
    return p * s.d * 9.332636185032189e-302; /* 2^-1000 */
  }
  s.u = (uint64_t)(ki + 1023) << 52;
  return p * s.d;
}

static double dlog(double x) {
  if (!(x > 0)) return x == 0 ? -__builtin_inf() : __builtin_nan("");
  if (x == __builtin_inf()) return x;
  union { double d; uint64_t u; } v = {x};
  int e = (int)((v.u >> 52) & 0x7ff) - 1023;
  if (e == -1023) { /* subnormal */
    v.d = x * 4503599627370496.0; /* 2^52 */
    e = (int)((v.u >> 52) & 0x7ff) - 1023 - 52;
  }
  v.u = (v.u & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL; /* mantissa in [1, 2) */
  double m = v.d;
  if (m > 1.4142135623730951) {
    m *= 0.5;
    e++;
  }
  double t = (m - 1) / (m + 1), t2 = t * t; /* |t| ≤ 0.172: log m = 2·atanh t = 2·Σ t^(2k+1)/(2k+1) */
  static const double inverse_odd[11] = {1.0,      1.0 / 3,  1.0 / 5,  1.0 / 7,  1.0 / 9, 1.0 / 11,
                                         1.0 / 13, 1.0 / 15, 1.0 / 17, 1.0 / 19, 1.0 / 21};
  double sum = inverse_odd[10];
  for (int i = 9; i >= 0; i--) sum = sum * t2 + inverse_odd[i];
  return e * 0.6931471805599453 + 2 * t * sum;
}

static double dlog1p(double y) {
  double u = 1 + y;
  return u == 1 ? y : dlog(u) * (y / (u - 1));
}

static double dsigmoid(double z) { return 1 / (1 + dexp(-z)); }

/** Sum of the chunk's losses; writes d(mean loss)/dz of the output layer into D0 (padding 0). */
static double output_loss(int m, double scale, int want_delta) {
  const int dOut = size[L], np = pad[L];
  const float *z = Z[L];
  float *d = D0;
  double total = 0;
  for (int s = 0; s < m; s++) {
    const float *zs = z + s * np;
    const float *ts = T + s * ywidth;
    float *ds = d + s * np;
    if (want_delta)
      for (int k = dOut; k < np; k++) ds[k] = 0;
    if (out_kind == OUT_SOFTMAX) {
      int label = (int)ts[0];
      double max = -__builtin_inf();
      for (int k = 0; k < dOut; k++)
        if (zs[k] > max) max = zs[k];
      double sum = 0;
      for (int k = 0; k < dOut; k++) sum += dexp(zs[k] - max);
      double log_sum = max + dlog(sum);
      total += log_sum - zs[label];
      if (want_delta)
        for (int k = 0; k < dOut; k++) ds[k] = (float)((dexp(zs[k] - log_sum) - (k == label)) * scale);
      continue;
    }
    for (int k = 0; k < dOut; k++) {
      double zk = zs[k], t = ts[k], dk;
      if (loss_kind == LOSS_NLL) { /* binary cross-entropy on the logit: softplus(z) − y·z */
        total += (zk > 0 ? zk : 0) - t * zk + dlog1p(dexp(-(zk < 0 ? -zk : zk)));
        dk = (dsigmoid(zk) - t) * scale;
      } else if (out_kind == OUT_LINEAR && loss_kind == LOSS_L2) {
        double e = zk - t;
        total += e * e;
        dk = 2 * e * scale;
      } else {
        int sig = out_kind == OUT_SIGMOID;
        double out = sig ? dsigmoid(zk) : zk, slope = sig ? out * (1 - out) : 1, e = out - t;
        if (loss_kind == LOSS_L2) {
          total += e * e;
          dk = 2 * e * slope * scale;
        } else {
          total += e < 0 ? -e : e;
          dk = (e > 0 ? 1 : e < 0 ? -1 : 0) * slope * scale;
        }
      }
      if (want_delta) ds[k] = (float)dk;
    }
  }
  return total;
}

/** Copies the chunk's inputs into A[0] and targets into T: rows idx[from…] of the data, or from…+m. */
static void gather(const float *x, const float *y, const int *idx, int from, int m) {
  const int dIn = size[0], np = pad[0];
  for (int s = 0; s < m; s++) {
    int row = idx ? idx[from + s] : from + s;
    for (int i = 0; i < dIn; i++) A[0][s * np + i] = x[row * dIn + i];
    for (int k = 0; k < ywidth; k++) T[s * ywidth + k] = y[row * ywidth + k];
  }
}

static void forward(const float *p, int m) {
  for (int l = 0; l < L; l++) {
    matmul(Z[l + 1], pad[l + 1], A[l], pad[l], 1, p + woff[l], pad[l + 1], m, size[l], pad[l + 1], p + boff[l], START_BIAS);
    if (l + 1 < L) activate(act[l], Z[l + 1], A[l + 1], m * pad[l + 1]);
  }
}

/** Adds the chunk's gradient into G, from the output signal in D0. */
static void backward(const float *p, int m) {
  float *d = D0, *below = D1;
  for (int l = L - 1; l >= 0; l--) {
    const int fanIn = size[l], fanOut = size[l + 1], np = pad[l + 1];
    float *gb = G + boff[l];
    for (int s = 0; s < m; s++)
      for (int j = 0; j < np; j += 4)
        wasm_v128_store(gb + j, wasm_f32x4_add(wasm_v128_load(gb + j), wasm_v128_load(d + s * np + j)));
    matmul(G + woff[l], np, A[l], 1, pad[l], d, np, fanIn, m, np, 0, START_ACCUMULATE);
    if (l == 0) break;
    const float *W = p + woff[l];
    const int npIn = pad[l];
    for (int j = 0; j < fanOut; j++) {
      for (int i = 0; i < fanIn; i++) WT[j * npIn + i] = W[i * np + j];
      for (int i = fanIn; i < npIn; i++) WT[j * npIn + i] = 0;
    }
    matmul(below, npIn, d, np, 1, WT, npIn, m, fanOut, npIn, 0, START_ZERO);
    activation_slope(act[l - 1], Z[l], A[l], below, m * npIn);
    float *swap = d;
    d = below;
    below = swap;
  }
}

/**
 * Mean loss over `count` samples of one network (rows idx[from…] of the data, or the first `count`),
 * adding the gradient of that mean into G when asked.
 */
static double evaluate(const float *p, const float *x, const float *y, const int *idx, int from, int count, int want_grad) {
  const double divisor = out_kind == OUT_SOFTMAX ? count : (double)count * size[L];
  double total = 0;
  for (int start = 0; start < count; start += CHUNK) {
    int m = count - start < CHUNK ? count - start : CHUNK;
    gather(x, y, idx, from + start, m);
    forward(p, m);
    total += output_loss(m, 1 / divisor, want_grad);
    if (want_grad) backward(p, m);
  }
  return divisor == 0 ? 0 : total / divisor;
}

/** Full-data loss at `count` padded parameter vectors laid end to end. */
EXPORT(losses) void losses(int count, const float *points, const float *x, const float *y, int n, double *out) {
  for (int g = 0; g < count; g++) out[g] = evaluate(points + g * P, x, y, 0, 0, n, 0);
}

// ---- training many runs at once ----

/** Per run: lr, μ, ρ, eps, β1, β2, then Adam's lr/(1−β1ᵗ) and √(1−β2ᵗ) for the coming step. */
enum { H_LR, H_MU, H_RHO, H_EPS, H_B1, H_B2, H_STEP, H_BC2, H_COUNT };

/**
 * torch.optim's update rules (weight decay 0), in torch's order of float32 operations, over `count`
 * floats. `h` holds each hyperparameter as a vector: one value splatted (rows), or one per run (lanes).
 * Where `active` is 0 the parameter keeps its value (a frozen run in a lane).
 */
static void update(int kind, float *p, float *b, float *v, const float *g, int count, const f4 *h, f4 active) {
  const f4 one = wasm_f32x4_splat(1.f);
  const f4 lr = h[H_LR];
#define STORE_P(i, value) wasm_v128_store(p + (i), wasm_v128_bitselect(value, wasm_v128_load(p + (i)), active))
  switch (kind) {
    case SGD:
      for (int i = 0; i < count; i += 4) STORE_P(i, wasm_f32x4_sub(wasm_v128_load(p + i), wasm_f32x4_mul(lr, wasm_v128_load(g + i))));
      return;
    case MOMENTUM: {
      const f4 mu = h[H_MU];
      for (int i = 0; i < count; i += 4) {
        f4 bv = wasm_f32x4_add(wasm_f32x4_mul(mu, wasm_v128_load(b + i)), wasm_v128_load(g + i));
        wasm_v128_store(b + i, bv);
        STORE_P(i, wasm_f32x4_sub(wasm_v128_load(p + i), wasm_f32x4_mul(lr, bv)));
      }
      return;
    }
    case RMSPROP:
    case MOMENTUM_RMSPROP: {
      const int with_momentum = kind == MOMENTUM_RMSPROP;
      const f4 mu = h[H_MU], rho = h[H_RHO], keep = wasm_f32x4_sub(one, h[H_RHO]), eps = h[H_EPS];
      for (int i = 0; i < count; i += 4) {
        f4 gv = wasm_v128_load(g + i);
        f4 vv = wasm_f32x4_add(wasm_f32x4_mul(rho, wasm_v128_load(v + i)), wasm_f32x4_mul(keep, wasm_f32x4_mul(gv, gv)));
        wasm_v128_store(v + i, vv);
        f4 step = wasm_f32x4_div(gv, wasm_f32x4_add(wasm_f32x4_sqrt(vv), eps));
        if (with_momentum) {
          step = wasm_f32x4_add(wasm_f32x4_mul(mu, wasm_v128_load(b + i)), step);
          wasm_v128_store(b + i, step);
        }
        STORE_P(i, wasm_f32x4_sub(wasm_v128_load(p + i), wasm_f32x4_mul(lr, step)));
      }
      return;
    }
    case ADAM: {
      const f4 b1 = h[H_B1], b2 = h[H_B2], k1 = wasm_f32x4_sub(one, h[H_B1]), k2 = wasm_f32x4_sub(one, h[H_B2]);
      const f4 step = h[H_STEP], bc2 = h[H_BC2], eps = h[H_EPS];
      for (int i = 0; i < count; i += 4) {
        f4 gv = wasm_v128_load(g + i);
        f4 mv = wasm_f32x4_add(wasm_f32x4_mul(b1, wasm_v128_load(b + i)), wasm_f32x4_mul(k1, gv));
        f4 vv = wasm_f32x4_add(wasm_f32x4_mul(b2, wasm_v128_load(v + i)), wasm_f32x4_mul(k2, wasm_f32x4_mul(gv, gv)));
        wasm_v128_store(b + i, mv);
        wasm_v128_store(v + i, vv);
        f4 denom = wasm_f32x4_add(wasm_f32x4_div(wasm_f32x4_sqrt(vv), bc2), eps);
        STORE_P(i, wasm_f32x4_sub(wasm_v128_load(p + i), wasm_f32x4_mul(step, wasm_f32x4_div(mv, denom))));
      }
      return;
    }
  }
#undef STORE_P
}

static struct {
  int runs, n, batch, kind;
  float *params, *first, *second;
  const float *const *xs; /* per run, its dataset */
  const float *const *ys;
  const float *hyper;
  const uint8_t *frozen;
} job;

EXPORT(train_init) void train_init(int runs, int n, int batch, int kind, float *params, float *first, float *second,
                                   const float *const *xs, const float *const *ys, const float *hyper,
                                   const uint8_t *frozen) {
  job.runs = runs;
  job.n = n;
  job.batch = batch;
  job.kind = kind;
  job.params = params;
  job.first = first;
  job.second = second;
  job.xs = xs;
  job.ys = ys;
  job.hyper = hyper;
  job.frozen = frozen;
}

/** One step of every run that is not frozen; `idx` is [runs][batch] rows, or 0 for full-batch steps. */
EXPORT(train_step) void train_step(const int *idx) {
  const f4 all = wasm_i32x4_splat(-1);
  f4 h[H_COUNT];
  for (int r = 0; r < job.runs; r++) {
    if (job.frozen[r]) continue;
    float *p = job.params + r * P;
    for (int i = 0; i < P; i += 4) wasm_v128_store(G + i, wasm_f32x4_splat(0.f)); /* memory.fill is a runtime call */
    if (idx) evaluate(p, job.xs[r], job.ys[r], idx, r * job.batch, job.batch, 1);
    else evaluate(p, job.xs[r], job.ys[r], 0, 0, job.n, 1);
    for (int k = 0; k < H_COUNT; k++) h[k] = wasm_f32x4_splat(job.hyper[r * H_COUNT + k]);
    update(job.kind, p, job.first + r * P, job.second + r * P, G, P, h, all);
  }
}

/** Every run's loss on its whole dataset. */
EXPORT(full_losses) void full_losses(double *out) {
  for (int r = 0; r < job.runs; r++) out[r] = evaluate(job.params + r * P, job.xs[r], job.ys[r], 0, 0, job.n, 0);
}

// ---- lanes: four runs in the four lanes of every vector ----
//
// For small networks and small minibatches the row layout wastes most of each vector (an output layer
// of width 1, a batch of 3) and spends its time on loop overhead. Here every value is a vector holding
// the same quantity for four runs, so every operation is full width whatever the shapes. A group of
// four runs keeps its parameters as [P][4] (the compact layout, no padding); a run's numbers do not
// depend on its lane or on the other runs of its group.

static f4 *LZ[MAXL + 1], *LA[MAXL + 1];  /* [CHUNK][size] */
static f4 *LT;                           /* targets, [CHUNK][ywidth] */
static f4 *LD0, *LD1;                    /* backward signals, [CHUNK][max size] */
static f4 *LG;                           /* gradient, [NP] */

static struct {
  int groups, batch;
  f4 *params, *first, *second; /* [groups][NP] */
  const float *const *xs;      /* per run (groups·4 of them) */
  const float *const *ys;
  const f4 *hyper;             /* [groups][H_COUNT] */
  const uint8_t *frozen;       /* per run */
} lanes;

/** Prepares training in lanes (after net_init); returns the compact parameter count, or 0. */
EXPORT(lanes_init) int lanes_init(int groups, int batch, int kind, f4 *params, f4 *first, f4 *second, const float *const *xs,
                                  const float *const *ys, const f4 *hyper, const uint8_t *frozen) {
  int widest = 0;
  for (int l = 0; l <= L; l++) {
    if (size[l] > widest) widest = size[l];
    LZ[l] = alloc(CHUNK * size[l] * 16);
    LA[l] = alloc(CHUNK * size[l] * 16);
  }
  LT = alloc(CHUNK * ywidth * 16);
  LD0 = alloc(CHUNK * widest * 16);
  LD1 = alloc(CHUNK * widest * 16);
  LG = alloc(NP * 16);
  lanes.groups = groups;
  lanes.batch = batch;
  job.kind = kind;
  lanes.params = params;
  lanes.first = first;
  lanes.second = second;
  lanes.xs = xs;
  lanes.ys = ys;
  lanes.hyper = hyper;
  lanes.frozen = frozen;
  return LG ? NP : 0;
}

/** d(mean loss)/dz of the output layer for each lane, float32, into LD0. */
static void lanes_output_delta(int m, float scale) {
  const int dOut = size[L];
  const f4 sc = wasm_f32x4_splat(scale), one = wasm_f32x4_splat(1.f), zero = wasm_f32x4_splat(0.f);
  for (int s = 0; s < m; s++) {
    const f4 *z = LZ[L] + s * dOut;
    const f4 *t = LT + s * ywidth;
    f4 *d = LD0 + s * dOut;
    if (out_kind == OUT_SOFTMAX) {
      f4 max = z[0];
      for (int k = 1; k < dOut; k++) max = wasm_f32x4_pmax(max, z[k]);
      f4 sum = zero;
      for (int k = 0; k < dOut; k++) {
        d[k] = vexp(wasm_f32x4_sub(z[k], max));
        sum = wasm_f32x4_add(sum, d[k]);
      }
      f4 label = wasm_i32x4_trunc_sat_f32x4(t[0]);
      for (int k = 0; k < dOut; k++) {
        f4 hit = wasm_v128_and(wasm_i32x4_eq(label, wasm_i32x4_splat(k)), one);
        d[k] = wasm_f32x4_mul(wasm_f32x4_sub(wasm_f32x4_div(d[k], sum), hit), sc);
      }
      continue;
    }
    for (int k = 0; k < dOut; k++) {
      f4 zk = z[k], tk = t[k];
      if (loss_kind == LOSS_NLL) {
        f4 sig = wasm_f32x4_div(one, wasm_f32x4_add(one, vexp(wasm_f32x4_neg(zk))));
        d[k] = wasm_f32x4_mul(wasm_f32x4_sub(sig, tk), sc);
      } else if (out_kind == OUT_LINEAR && loss_kind == LOSS_L2) {
        f4 e = wasm_f32x4_sub(zk, tk);
        d[k] = wasm_f32x4_mul(wasm_f32x4_add(e, e), sc);
      } else {
        f4 out = zk, slope = one;
        if (out_kind == OUT_SIGMOID) {
          out = wasm_f32x4_div(one, wasm_f32x4_add(one, vexp(wasm_f32x4_neg(zk))));
          slope = wasm_f32x4_mul(out, wasm_f32x4_sub(one, out));
        }
        f4 e = wasm_f32x4_sub(out, tk);
        f4 g;
        if (loss_kind == LOSS_L2) g = wasm_f32x4_add(e, e);
        else /* sign(e): ±1 where e ≠ 0, else 0 */
          g = wasm_f32x4_sub(wasm_v128_and(wasm_f32x4_gt(e, zero), one), wasm_v128_and(wasm_f32x4_lt(e, zero), one));
        d[k] = wasm_f32x4_mul(wasm_f32x4_mul(g, slope), sc);
      }
    }
  }
}

/** Adds the gradient of one group's mean loss over its minibatch rows (from `from`) into LG. */
static void lanes_chunk(const f4 *p, const float *const *xs, const float *const *ys, const int *const *idx, int from, int m,
                        float scale) {
  const int dIn = size[0];
  for (int s = 0; s < m; s++) {
    int r0 = idx[0][from + s], r1 = idx[1][from + s], r2 = idx[2][from + s], r3 = idx[3][from + s];
    for (int i = 0; i < dIn; i++)
      LA[0][s * dIn + i] = wasm_f32x4_make(xs[0][r0 * dIn + i], xs[1][r1 * dIn + i], xs[2][r2 * dIn + i], xs[3][r3 * dIn + i]);
    for (int k = 0; k < ywidth; k++)
      LT[s * ywidth + k] =
          wasm_f32x4_make(ys[0][r0 * ywidth + k], ys[1][r1 * ywidth + k], ys[2][r2 * ywidth + k], ys[3][r3 * ywidth + k]);
  }
  for (int l = 0; l < L; l++) {
    const int fi = size[l], fo = size[l + 1];
    const f4 *W = p + cw[l], *b = p + cb[l];
    /* The inner loop runs along the wider side (long, independent, unrolled); either order adds each
       z[j]'s terms in the same order, i = 0, 1, … */
    for (int s = 0; s < m; s++) {
      const f4 *a = LA[l] + s * fi;
      f4 *z = LZ[l + 1] + s * fo;
      if (fo >= fi) {
        for (int j = 0; j < fo; j++) z[j] = b[j];
        for (int i = 0; i < fi; i++) {
          const f4 ai = a[i], *Wi = W + i * fo;
          for (int j = 0; j < fo; j++) z[j] = wasm_f32x4_add(z[j], wasm_f32x4_mul(ai, Wi[j]));
        }
      } else {
        for (int j = 0; j < fo; j++) {
          f4 acc = b[j];
          for (int i = 0; i < fi; i++) acc = wasm_f32x4_add(acc, wasm_f32x4_mul(a[i], W[i * fo + j]));
          z[j] = acc;
        }
      }
    }
    if (l + 1 < L) activate(act[l], (const float *)LZ[l + 1], (float *)LA[l + 1], 4 * m * fo);
  }
  lanes_output_delta(m, scale);
  f4 *d = LD0, *below = LD1;
  for (int l = L - 1; l >= 0; l--) {
    const int fi = size[l], fo = size[l + 1];
    f4 *gW = LG + cw[l], *gb = LG + cb[l];
    for (int s = 0; s < m; s++) {
      const f4 *ds = d + s * fo, *a = LA[l] + s * fi;
      for (int j = 0; j < fo; j++) gb[j] = wasm_f32x4_add(gb[j], ds[j]);
      if (fo >= fi) {
        for (int i = 0; i < fi; i++)
          for (int j = 0; j < fo; j++) gW[i * fo + j] = wasm_f32x4_add(gW[i * fo + j], wasm_f32x4_mul(a[i], ds[j]));
      } else {
        for (int j = 0; j < fo; j++)
          for (int i = 0; i < fi; i++) gW[i * fo + j] = wasm_f32x4_add(gW[i * fo + j], wasm_f32x4_mul(a[i], ds[j]));
      }
    }
    if (l == 0) break;
    const f4 *W = p + cw[l];
    for (int s = 0; s < m; s++) {
      const f4 *ds = d + s * fo;
      f4 *bs = below + s * fi;
      if (fo >= fi) {
        for (int i = 0; i < fi; i++) {
          f4 acc = wasm_f32x4_splat(0.f);
          for (int j = 0; j < fo; j++) acc = wasm_f32x4_add(acc, wasm_f32x4_mul(W[i * fo + j], ds[j]));
          bs[i] = acc;
        }
      } else {
        for (int i = 0; i < fi; i++) bs[i] = wasm_f32x4_splat(0.f);
        for (int j = 0; j < fo; j++) {
          const f4 dj = ds[j];
          for (int i = 0; i < fi; i++) bs[i] = wasm_f32x4_add(bs[i], wasm_f32x4_mul(W[i * fo + j], dj));
        }
      }
    }
    activation_slope(act[l - 1], (const float *)LZ[l], (const float *)LA[l], (float *)below, 4 * m * fi);
    f4 *swap = d;
    d = below;
    below = swap;
  }
}

/** One step of every group; `idx` is [groups·4][batch] rows, or 0 for full-batch steps (then rows 0…n−1). */
EXPORT(lanes_step) void lanes_step(const int *idx, const int *all_rows) {
  const int batch = lanes.batch;
  const float divisor = out_kind == OUT_SOFTMAX ? batch : (float)batch * size[L];
  for (int g = 0; g < lanes.groups; g++) {
    const uint8_t *fr = lanes.frozen + 4 * g;
    if (fr[0] && fr[1] && fr[2] && fr[3]) continue;
    const f4 active = wasm_i32x4_make(fr[0] ? 0 : -1, fr[1] ? 0 : -1, fr[2] ? 0 : -1, fr[3] ? 0 : -1);
    f4 *p = lanes.params + g * NP;
    for (int i = 0; i < NP; i++) LG[i] = wasm_f32x4_splat(0.f);
    const int *rows[4];
    for (int k = 0; k < 4; k++) rows[k] = idx ? idx + (4 * g + k) * batch : all_rows;
    for (int start = 0; start < batch; start += CHUNK)
      lanes_chunk(p, lanes.xs + 4 * g, lanes.ys + 4 * g, rows, start, batch - start < CHUNK ? batch - start : CHUNK, 1 / divisor);
    update(job.kind, (float *)p, (float *)(lanes.first + g * NP), (float *)(lanes.second + g * NP), (const float *)LG, 4 * NP,
           lanes.hyper + g * H_COUNT, active);
  }
}

/** Every run's loss on its whole dataset (n rows), each run unpacked from its lane into the row layout. */
EXPORT(lanes_full_losses) void lanes_full_losses(int runs, int n, float *row, double *out) {
  for (int r = 0; r < runs; r++) {
    const float *p = (const float *)(lanes.params + (r / 4) * NP) + r % 4;
    for (int l = 0; l < L; l++) {
      const int fi = size[l], fo = size[l + 1];
      for (int i = 0; i < fi; i++)
        for (int j = 0; j < fo; j++) row[woff[l] + i * pad[l + 1] + j] = p[4 * (cw[l] + i * fo + j)];
      for (int j = 0; j < fo; j++) row[boff[l] + j] = p[4 * (cb[l] + j)];
    }
    out[r] = evaluate(row, lanes.xs[r], lanes.ys[r], 0, 0, n, 0);
  }
}

// ---- the tutorial network's full-data loss, summed over its linear pieces ----
//
// tutorialNet.ts's fullData (loss only), operation for operation in float64: on inputs sorted once,
// each ReLU unit of 1→H→1 is active on a prefix or a suffix, so the network is A + B·x between
// consecutive edges and each piece's Σ(A + Bx − y)² comes from prefix sums in O(1). Recording a
// sweep's losses every few steps calls this for every run; in JavaScript it was most of the time.

/** Prefix sums of one dataset, each [n + 1] (x sorted is [n]), laid out as tutorialNet.ts's Sums;
    `pre` holds the same five sums interleaved, [n + 1][5], so a piece reads one or two cache lines. */
typedef struct {
  const double *x, *sx, *sxx, *sy, *sxy, *syy, *pre;
} Sums;

static uint8_t *left_scratch;
/** A call's units, read once from the strided parameters: w, b, v per unit. */
static double *unit_scratch;
/** Per run: its units' edges and their sorted order at the last call ([runs][H] each), so the next
    call, a few steps later, starts from where every edge was: most edges move by a sample or two. */
static int *edge_state, *order_state;
static uint8_t *primed_state;

/** Whether unit (w, b) answers sample i's test as it answers the first sample's: monotone in i. */
#define SAME_SIDE(i) ((bj + wj * s->x[i] >= 0) == left_active)

/** The first sorted index where the test changes its answer, searched around the last edge `hint`
    (-1: none): by galloping out from it, then bisecting without branches. The index is unique, so
    the answer is the one a plain bisection gives. */
static int find_edge(double wj, double bj, int left_active, const Sums *s, int n, int hint) {
  int lo = 0, len = n; /* the edge is in [lo, lo + len] */
  if (hint >= 0) {
    if (hint < n && SAME_SIDE(hint)) { /* the edge moved right of hint */
      int step = 1;
      lo = hint + 1;
      while (lo + step - 1 < n && SAME_SIDE(lo + step - 1)) {
        lo += step;
        step <<= 1;
      }
      len = (lo + step - 1 < n ? lo + step - 1 : n) - lo;
    } else if (hint > 0 && !SAME_SIDE(hint - 1)) { /* it moved left */
      int step = 1, hi = hint - 1; /* sample hi answers differently: the edge is ≤ hi */
      while (hi - step >= 0 && !SAME_SIDE(hi - step)) {
        hi -= step;
        step <<= 1;
      }
      lo = hi - step + 1 > 0 ? hi - step + 1 : 0;
      len = hi - lo;
    } else {
      return hint;
    }
  }
  while (len > 0) {
    int half = len >> 1, same = SAME_SIDE(lo + half);
    lo = same ? lo + half + 1 : lo;
    len = same ? len - half - 1 : half;
  }
  return lo;
}

/** Unit j's w, b, v are at w[j·sw], b[j·sb], v[j·sv]; the output bias at *c. `edge` and `order`
    hold the run's edges and their order from its last call once `*primed_flag` is set. Each edge is
    searched from its last place, or, when `per_sample` > 0, from where -b/w falls if the sorted
    inputs were evenly spaced, per_sample apart: parameters far from the last call's land near it. */
static double tutorial_loss(const float *w, int sw, const float *b, int sb, const float *v, int sv, const float *c, int H,
                            const Sums *s, int n, int *edge, int *order, uint8_t *primed_flag, double per_sample) {
  const int primed = *primed_flag;
  for (int j = 0; j < H; j++)
    if (!__builtin_isfinite(w[j * sw]) || !__builtin_isfinite(b[j * sb]) || !__builtin_isfinite(v[j * sv])) return __builtin_nan("");
  if (!__builtin_isfinite(*c)) return __builtin_nan("");
  uint8_t *left = left_scratch;
  double *unit = unit_scratch;
  double A = *c, B = 0;
  for (int j = 0; j < H; j++) {
    double wj = w[j * sw], bj = b[j * sb], vj = v[j * sv];
    unit[3 * j] = wj;
    unit[3 * j + 1] = bj;
    unit[3 * j + 2] = vj;
    if (!primed) order[j] = j;
    if (wj == 0) {
      edge[j] = n;
      left[j] = bj >= 0;
    } else {
      int left_active = bj + wj * s->x[0] >= 0;
      int hint = primed ? edge[j] : -1;
      if (per_sample > 0) {
        double at = (-bj / wj - s->x[0]) * per_sample;
        hint = at < 0 ? 0 : at < n ? (int)at + 1 : n;
      }
      edge[j] = find_edge(wj, bj, left_active, s, n, hint);
      left[j] = (uint8_t)left_active;
    }
    if (left[j]) {
      A += vj * bj;
      B += vj * wj;
    }
  }
  /* Insertion sort by (edge, unit): the order JavaScript's stable sort by edge gives from 0..H-1, and
     nearly linear from the last call's order. */
  for (int a = 1; a < H; a++) {
    int unit = order[a], key = edge[unit], k = a - 1;
    while (k >= 0 && (edge[order[k]] > key || (edge[order[k]] == key && order[k] > unit))) {
      order[k + 1] = order[k];
      k--;
    }
    order[k + 1] = unit;
  }
  *primed_flag = 1;
  double loss = 0;
  int k0 = 0;
  for (int e = 0; e <= H; e++) {
    int k1 = e < H ? edge[order[e]] : n;
    if (k1 > k0) {
      const double *p1 = s->pre + 5 * k1, *p0 = s->pre + 5 * k0;
      double cnt = k1 - k0;
      double sx = p1[0] - p0[0], sxx = p1[1] - p0[1], sy = p1[2] - p0[2];
      double sxy = p1[3] - p0[3], syy = p1[4] - p0[4];
      loss += A * A * cnt + 2 * A * B * sx + B * B * sxx - 2 * A * sy - 2 * B * sxy + syy;
    }
    if (k1 > k0) k0 = k1;
    if (e < H) {
      int j = order[e];
      double wj = unit[3 * j], bj = unit[3 * j + 1], vj = unit[3 * j + 2];
      double sign = left[j] ? -1 : 1;
      A += sign * vj * bj;
      B += sign * vj * wj;
    }
  }
  return (loss < 0 ? 0 : loss) / n; /* rounding can leave a tiny negative sum where the fit is exact; NaN stays */
}

/** Scratch and per-run state for tutorial_full_losses (after net_init); 0 when memory ran out. */
EXPORT(tutorial_init) int tutorial_init(int runs) {
  int H = size[1];
  left_scratch = alloc(H);
  unit_scratch = alloc(H * 3 * 8);
  edge_state = alloc(runs * H * 4);
  order_state = alloc(runs * H * 4);
  primed_state = alloc(runs);
  if (primed_state == 0) return 0;
  for (int r = 0; r < runs; r++) primed_state[r] = 0;
  return 1;
}

/** Every run's full-data loss; sums[r] is run r's dataset's Sums; `in_lanes` picks the layout trained. */
EXPORT(tutorial_full_losses) void tutorial_full_losses(int runs, int n, const Sums *const *sums, int in_lanes, double *out) {
  const int H = size[1];
  for (int r = 0; r < runs; r++) {
    if (in_lanes) {
      const float *p = (const float *)(lanes.params + (r / 4) * NP) + r % 4;
      out[r] = tutorial_loss(p + 4 * cw[0], 4, p + 4 * cb[0], 4, p + 4 * cw[1], 4, p + 4 * cb[1], H, sums[r], n, edge_state + r * H,
                             order_state + r * H, primed_state + r, 0);
    } else {
      const float *p = job.params + r * P;
      out[r] = tutorial_loss(p + woff[0], 1, p + boff[0], 1, p + woff[1], pad[2], p + boff[1], H, sums[r], n, edge_state + r * H,
                             order_state + r * H, primed_state + r, 0);
    }
  }
}

/** The full-data loss at `count` padded parameter vectors, each unit's edge searched from where
    -b/w falls among the inputs: a surface's points are unrelated to any run's last edges (any hint
    gives the same edge: it is unique). */
EXPORT(tutorial_losses) void tutorial_losses(int count, const float *points, const Sums *sums, int n, double *out) {
  const int H = size[1];
  const double range = sums->x[n - 1] - sums->x[0];
  const double per_sample = range > 0 ? (n - 1) / range : 0;
  for (int g = 0; g < count; g++) {
    const float *p = points + g * P;
    out[g] = tutorial_loss(p + woff[0], 1, p + boff[0], 1, p + woff[1], pad[2], p + boff[1], H, sums, n, edge_state, order_state,
                           primed_state, per_sample);
  }
}

// ---- the points of a plane ----

/** The padded vectors c + alpha[k]·d1 + beta[k]·d2, k < count, as surface.ts's planePoints builds
    them compact (float64, summed in that order, rounded to float32 once); `index[i]` is compact
    parameter i's place in the padded layout, and padding stays 0. */
EXPORT(plane_points) void plane_points(int count, const float *c, const double *d1, const double *d2, const double *alpha,
                                       const double *beta, const int *index, float *out) {
  for (int i = 0; i < count * P; i++) out[i] = 0;
  for (int k = 0; k < count; k++) {
    float *q = out + k * P;
    const double a = alpha[k], b = beta[k];
    for (int i = 0; i < NP; i++) q[index[i]] = (float)((double)c[i] + a * d1[i] + b * d2[i]);
  }
}
