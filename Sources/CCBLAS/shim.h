#include <cblas.h>
// OpenBLAS extension: pin the thread count so results are reproducible bit for bit.
void openblas_set_num_threads(int num_threads);
