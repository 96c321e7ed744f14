#pragma once
// Thread settings for LibTorch on CPU. ATen parallelises each operation over `threads`
// (OpenMP); Debian's LibTorch calls OpenBLAS, whose own thread pool would then compete with
// OpenMP for the same cores and slow each step several times over, so OpenBLAS runs on one.
namespace efgnn {

/// OpenBLAS (0.3.21, Debian 12) chooses its kernels from the CPU model when it loads, and on a
/// model it does not know (recent Xeons behind a hypervisor, for one) falls back to its oldest
/// x86-64 ones (Prescott, SSE3), with which SGEMM runs several times slower than with the
/// kernels the CPU supports. When that happened and the CPU has AVX-512 or
/// AVX2, this restarts the process once (execv of /proc/self/exe, same arguments) with
/// OPENBLAS_CORETYPE naming the kernels for it; a value the user set is kept. Call it first in
/// main(). Without OpenBLAS (a CUDA LibTorch, MKL) it does nothing.
void selectOpenBlasKernels(char** argv);

/// Sets ATen's thread count (0 = all cores) and OpenBLAS's to 1 when OpenBLAS is loaded.
void configureTorchThreads(int threads);

/// OpenBLAS's own thread count (when OpenBLAS is loaded): for measuring a plain matrix product
/// on a given number of cores, which ATen's threads do not parallelise.
void setOpenBlasThreads(int threads);

/// This machine's arithmetic limit as benchmarks quote it: multiply-adds per second of
/// LibTorch's SGEMM (its BLAS) on 2048 x 2048 matrices with `threads` threads, the median of 5
/// products after one untimed. Leaves OpenBLAS on one thread, as configureTorchThreads does.
double sgemmMultiplyAddsPerSecond(int threads);

}  // namespace efgnn
