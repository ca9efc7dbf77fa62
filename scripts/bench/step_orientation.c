// Orientation of the per-step recurrent product h·W_hhᵀ with oneDNN's dnnl_sgemm: NT on W_hh
// itself versus NN on a transposed copy (what RecurrentLayer.recurrentProductNT chooses between),
// over one epoch's steps, with the gate block prefilled by the input projection as in training.
// Variants 2 and 3 write into a hot scratch block and add it afterwards (not used: slower).
//
//   clang -O2 scripts/bench/step_orientation.c -o /tmp/step_orientation -ldnnl
//   OMP_NUM_THREADS=1 /tmp/step_orientation T D H B N G    # G = 1 RNN, 3 GRU, 4 LSTM
//   e.g. 32 4 64 64 16384 4 (W-ref LSTM), 64 8 256 128 4096 4 (W-large LSTM, quarter epoch)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <dnnl.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+1e-9*t.tv_nsec;}
int main(int argc, char **v_) { int T=atoi(v_[1]),D=atoi(v_[2]),H=atoi(v_[3]),B=atoi(v_[4]),GH=atoi(v_[6])*H,nb=atoi(v_[5])/B;
 float *X=aligned_alloc(64,(size_t)T*B*D*4),*gv=aligned_alloc(64,(size_t)T*B*GH*4),*st=aligned_alloc(64,(size_t)(T+1)*B*H*4),*W=aligned_alloc(64,GH*H*4),*WT=aligned_alloc(64,GH*H*4),*Wih=aligned_alloc(64,GH*D*4),*scr=aligned_alloc(64,B*GH*4);
 for(size_t i=0;i<(size_t)T*B*D;i++)X[i]=0.01f*(i%7); for(int i=0;i<GH*H;i++){W[i]=0.001f*(i%13);WT[i]=W[i];} for(int i=0;i<GH*D;i++)Wih[i]=0.01f;
 for(size_t i=0;i<(size_t)(T+1)*B*H;i++)st[i]=0.01f*(i%5);
 for(int v=0;v<4;v++){ double best=1e9;
  for(int rep=0;rep<4;rep++){ double tot=0;
   for(int b=0;b<nb;b++){
     dnnl_sgemm('N','T',T*B,GH,D,1,X,D,Wih,D,0,gv,GH);
     /* stand-in for the rest of an epoch touching memory: backward rewrites gates */
     double t0=now();
     for(int s=1;s<T;s++){ float*g=gv+(size_t)s*B*GH;
       if(v==0) dnnl_sgemm('N','T',B,GH,H,1,st+(size_t)s*B*H,H,W,H,1,g,GH);
       if(v==1) dnnl_sgemm('N','N',B,GH,H,1,st+(size_t)s*B*H,H,WT,GH,1,g,GH);
       if(v==2){ dnnl_sgemm('N','N',B,GH,H,1,st+(size_t)s*B*H,H,WT,GH,0,scr,GH); for(int i=0;i<B*GH;i++) g[i]+=scr[i]; }
       if(v==3){ dnnl_sgemm('N','T',B,GH,H,1,st+(size_t)s*B*H,H,W,H,0,scr,GH); for(int i=0;i<B*GH;i++) g[i]+=scr[i]; }
     }
     tot+=now()-t0; }
   if(rep&&tot<best)best=tot; }
  printf("variant %d: %.4f s/epoch\n",v,best); }
}
