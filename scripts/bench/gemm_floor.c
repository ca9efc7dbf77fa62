// GEMM floor of one recurrent training epoch: replays, with oneDNN's dnnl_sgemm alone, the
// matrix products RecurrentLayer issues for an LSTM (G = 4, default) or GRU (G = 3) epoch
// (input projection, per-step h·W_hhᵀ, per-step dh = dG·W_hh, dW_hh = (Hᵀ·dG)ᵀ,
// dW_ih = Xᵀ·dG), in the same shapes and order, on one thread; the per-step products NT (the
// layer's orientation for gate blocks of 64 Ki floats and more; NN on a transposed copy below).
// GRU: the step product into its own block (beta 0), dh accumulated onto the direct path
// (beta 1). Prints seconds per epoch by phase (best of 3 after a warm-up).
//
//   clang -O2 scripts/bench/gemm_floor.c -o /tmp/gemm_floor -ldnnl
//   clang -O2 -DFLOOR_OPENBLAS -I/usr/include/x86_64-linux-gnu/openblas-pthread scripts/bench/gemm_floor.c -o /tmp/gemm_floor_ob -lopenblas
//   OMP_NUM_THREADS=1 /tmp/gemm_floor 32 4 64 64 16384       # W-ref LSTM: T D H B N [G]
//   OMP_NUM_THREADS=1 /tmp/gemm_floor 64 8 256 128 16384 3   # W-large GRU
// With -DFLOOR_OPENBLAS (link -lopenblas, OPENBLAS_NUM_THREADS=1) the same products go through
// OpenBLAS's cblas_sgemm, the other backend (FORECAST_GEMM=openblas); the per-step products are
// then NN on W_hhᵀ, as the layer runs them with OpenBLAS.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef FLOOR_OPENBLAS
#include <cblas.h>
static void floor_sgemm(char ta, char tb, int m, int n, int k, float alpha, const float *a, int lda, const float *b,
                        int ldb, float beta, float *c, int ldc) {
  cblas_sgemm(CblasRowMajor, ta == 'T' ? CblasTrans : CblasNoTrans, tb == 'T' ? CblasTrans : CblasNoTrans, m, n, k,
              alpha, a, lda, b, ldb, beta, c, ldc);
}
// NN on the transposed copy (H, G·H): ldb = G·H.
#define STEP_SGEMM(m, n, k, a, lda, W, WT, beta, c, ldc) floor_sgemm('N', 'N', m, n, k, 1, a, lda, WT, n, beta, c, ldc)
#define dnnl_sgemm floor_sgemm
#else
#include <dnnl.h>
#define STEP_SGEMM(m, n, k, a, lda, W, WT, beta, c, ldc) dnnl_sgemm('N', 'T', m, n, k, 1, a, lda, W, k, beta, c, ldc)
#endif
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+1e-9*t.tv_nsec;}
int main(int argc,char**argv){
  int T=atoi(argv[1]),D=atoi(argv[2]),H=atoi(argv[3]),B=atoi(argv[4]),N=atoi(argv[5]); int G=argc>6?atoi(argv[6]):4; int GH=G*H, nb=N/B; int gru=G==3;
  float *ghs=calloc((size_t)B*GH,4);
  float *X=calloc((size_t)T*B*D,4),*gv=calloc((size_t)T*B*GH,4),*st=calloc((size_t)(T+1)*B*H,4),*W=calloc(GH*H,4),*WT=calloc(GH*H,4),*Wih=calloc(GH*D,4),*dh=calloc(B*H,4),*dW=calloc(GH*H,4),*dWih=calloc(GH*D,4);
  for(size_t i=0;i<(size_t)T*B*D;i++)X[i]=0.01f*(i%7); for(int i=0;i<GH*H;i++){W[i]=0.001f*(i%13);WT[i]=W[i];}
  double best[3]={1e9,1e9,1e9};
  for(int rep=0;rep<4;rep++){ double tf=0,tb=0,tw=0;
  for(int b=0;b<nb;b++){
    double t0=now();
    dnnl_sgemm('N','T',T*B,GH,D,1,X,D,Wih,D,gru?1:0,gv,GH);
    for(int s=1;s<T;s++) STEP_SGEMM(B,GH,H,st+s*B*H,H,W,WT,gru?0:1,gru?ghs:gv+(size_t)s*B*GH,GH);
    double t1=now();
    for(int s=T-1;s>0;s--) dnnl_sgemm('N','N',B,H,GH,1,gv+(size_t)s*B*GH,GH,W,H,gru?1:0,dh,H);
    double t2=now();
    
#ifdef FLOOR_OPENBLAS
    floor_sgemm('T','N',GH,H,(T-1)*B,1,gv+(size_t)B*GH,GH,st+B*H,H,1,dW,H);
#else
    dnnl_sgemm('T','N',H,GH,(T-1)*B,1,st+B*H,H,gv+(size_t)B*GH,GH,0,dW,GH);
#endif
   
    dnnl_sgemm('T','N',D,GH,T*B,1,X,D,gv,GH,0,dWih,GH);
    double t3=now(); tf+=t1-t0; tb+=t2-t1; tw+=t3-t2; }
  if(rep){ if(tf<best[0])best[0]=tf; if(tb<best[1])best[1]=tb; if(tw<best[2])best[2]=tw; } }
  printf("fwd %.4f  bwd-dh %.4f  dW %.4f  total %.4f s/epoch\n",best[0],best[1],best[2],best[0]+best[1]+best[2]);
}
