#include "xtgrad/autograd/freed_memory.hpp"

#include <climits>
#include <cstdlib>
#include <string_view>

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace xtgrad::memory {

namespace {

std::string& policy() {
    static std::string chosen = "the C library's default";
    return chosen;
}

/// The environment variable through which the user set glibc's thresholds, if any.
const char* users_setting() {
    for (const char* name : {"MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_"})
        if (std::getenv(name)) return name;
    const char* tunables = std::getenv("GLIBC_TUNABLES");
    if (tunables && std::string_view(tunables).find("glibc.malloc.") != std::string_view::npos)
        return "GLIBC_TUNABLES";
    return nullptr;
}

bool choose() {
    const char* opt_out = std::getenv("XTGRAD_KEEP_FREED_MEMORY");
    if (opt_out && std::string_view(opt_out) == "0") {
        policy() = "the C library's default (XTGRAD_KEEP_FREED_MEMORY=0)";
        return false;
    }
    if (const char* name = users_setting()) {
        policy() = std::string("the user's (") + name + ")";
        return false;
    }
#ifdef __GLIBC__
    // Blocks up to glibc's largest mmap threshold (32 MiB on 64-bit) come from the heap, and
    // the heap's top is never trimmed. Setting either turns glibc's own adjustment off.
    constexpr int largest_mmap_threshold = 32 << 20;
    if (mallopt(M_MMAP_THRESHOLD, largest_mmap_threshold) == 1 &&
        mallopt(M_TRIM_THRESHOLD, INT_MAX) == 1) {
        policy() = "kept in the heap (set by xtgrad)";
        return true;
    }
    policy() = "the C library's default (glibc refused the thresholds)";
#endif
    return false;
}

}  // namespace

bool keep_freed_memory() {
    static const bool kept = choose();
    return kept;
}

std::string freed_memory_policy() {
    keep_freed_memory();
    return policy();
}

}  // namespace xtgrad::memory
