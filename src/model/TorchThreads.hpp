#pragma once
// Thread settings for LibTorch on CPU. ATen parallelises each operation over `threads`
// (OpenMP); Debian's LibTorch calls OpenBLAS, whose own thread pool would then compete with
// OpenMP for the same cores (measured: a training step 2.5x slower), so OpenBLAS runs on one.
namespace efgnn {

/// Sets ATen's thread count (0 = all cores) and OpenBLAS's to 1 when OpenBLAS is loaded.
void configureTorchThreads(int threads);

}  // namespace efgnn
