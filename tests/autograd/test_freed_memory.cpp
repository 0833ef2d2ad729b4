// What becomes of freed memory (freed_memory.hpp): kept in glibc's heap by default, the C
// library's behaviour when the user opts out or has set glibc's thresholds. CTest also runs this
// suite under XTGRAD_KEEP_FREED_MEMORY=0 and under a GLIBC_TUNABLES malloc setting
// (tests/CMakeLists.txt): the choice is made once per process, from the environment.
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <string>
#include <string_view>

#include <xtgrad/autograd/freed_memory.hpp>

#ifdef __GLIBC__
#include <malloc.h>
#endif

using namespace xtgrad;

namespace {

bool environment_says(const char* name, std::string_view part) {
    const char* value = std::getenv(name);
    return value && std::string_view(value).find(part) != std::string_view::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(freed_memory)

BOOST_AUTO_TEST_CASE(the_choice_follows_the_environment) {
    const bool kept = memory::keep_freed_memory();
    const std::string policy = memory::freed_memory_policy();
    BOOST_TEST_MESSAGE("freed memory: " << policy);
    if (environment_says("XTGRAD_KEEP_FREED_MEMORY", "0")) {
        BOOST_TEST(!kept);
        BOOST_TEST(policy.find("XTGRAD_KEEP_FREED_MEMORY=0") != std::string::npos, policy);
    } else if (environment_says("GLIBC_TUNABLES", "glibc.malloc.")) {
        BOOST_TEST(!kept);
        BOOST_TEST(policy == "the user's (GLIBC_TUNABLES)", policy);
    } else {
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)  // AddressSanitizer has its own malloc
        BOOST_TEST(kept);
        BOOST_TEST(policy == "kept in the heap (set by xtgrad)", policy);
#endif
    }
    BOOST_TEST(memory::keep_freed_memory() == kept);  // decided once
}

#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)  // AddressSanitizer has its own malloc
// The effect itself: a 16 MiB block comes from the heap, not from mmap, and the heap keeps it
// once it is freed (the next step's arrays reuse it without faulting pages in).
BOOST_AUTO_TEST_CASE(a_large_freed_block_stays_in_the_heap_when_kept) {
    const bool kept = memory::keep_freed_memory();
    constexpr std::size_t size = 16 << 20;
    const std::size_t mapped_before = mallinfo2().hblkhd;
    void* block = std::malloc(size);
    BOOST_TEST_REQUIRE(block != nullptr);
    static_cast<volatile char*>(block)[size - 1] = 1;
    const bool mapped = mallinfo2().hblkhd >= mapped_before + size;
    const std::size_t heap_while_held = mallinfo2().arena;
    std::free(block);
    const std::size_t heap_after = mallinfo2().arena;
    if (kept) {
        BOOST_TEST(!mapped);
        BOOST_TEST(heap_after == heap_while_held);  // not trimmed
    } else if (!environment_says("GLIBC_TUNABLES", "glibc.malloc.")) {
        BOOST_TEST(mapped);  // glibc's default: blocks this large are mmapped
    }
}
#endif

BOOST_AUTO_TEST_SUITE_END()
