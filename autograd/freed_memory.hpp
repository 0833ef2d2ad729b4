// What becomes of memory the process frees. A training step allocates and frees the same large
// arrays every step; glibc's malloc returns freed memory at the top of its heap, and every block
// above its mmap threshold, to the system, and the next step faults it back in page by page
// (144 000 page faults per epoch of mnist-train's CNN, a tenth of its time). xtgrad keeps freed
// memory in the heap instead (glibc's trim threshold and mmap threshold raised), once, at its
// first product, unless the user has set those thresholds (MALLOC_TRIM_THRESHOLD_,
// MALLOC_MMAP_THRESHOLD_, a glibc.malloc tunable in GLIBC_TUNABLES) or
// XTGRAD_KEEP_FREED_MEMORY=0. Peak memory is unchanged: what is freed is reused, not returned.
#pragma once

#include <string>

namespace xtgrad::memory {

/// Keeps freed memory in the heap from now on, as described above (done once; later calls
/// return the first call's answer). False where the C library is not glibc or the user chose.
bool keep_freed_memory();

/// What was chosen, for reports: "kept in the heap (set by xtgrad)", "the C library's default
/// (XTGRAD_KEEP_FREED_MEMORY=0)", "the user's (GLIBC_TUNABLES)", ...
std::string freed_memory_policy();

}  // namespace xtgrad::memory
