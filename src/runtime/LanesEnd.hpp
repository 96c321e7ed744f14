// The end of a kernel source's instruction set (Lanes.hpp): included last.
#if defined(__clang__)
#pragma clang attribute pop
#endif
