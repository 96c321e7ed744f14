// The end of a kernel source's instruction set (Lanes.hpp): included last (a test checks the
// kernel sources' include order).
#ifndef EFGNN_LANES_BEGUN
#error "runtime/LanesEnd.hpp closes runtime/Lanes.hpp, which was not included"
#endif
#if defined(__clang__)
#pragma clang attribute pop
#endif
