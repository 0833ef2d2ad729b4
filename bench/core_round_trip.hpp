// The round trip of a cache line between two cores: what every hand-over between xtgrad's two
// threads costs (a parameter line SGD writes right after both threads read it, the barrier at
// the end of a parallel region). Two threads, on the first two CPUs the process may run on, take
// turns writing a counter in one cache line, each waiting to see the other's write. On a VM the
// host may move its virtual CPUs onto cores further apart: on the Zen 4 VM the round trip is
// 80-90 ns most of the time and about 360 ns for a minute or two now and then, and the 2-thread
// rows of the bench table slow down with it (bench/README.md). gemm-bound and xtgrad-bench
// measure it before and after their 2-thread runs, and bench-table shows it beside those rows.
#pragma once

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <thread>
#include <vector>

namespace bench {

struct RoundTrip {
    int cpus[2];
    double median_ns, min_ns, max_ns;  // over the repeats
};

namespace detail {

struct alignas(64) Line {
    std::atomic<std::uint32_t> value{0};
};

inline void pin_to(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

/// Nanoseconds per round trip over `rounds` hand-overs: this thread writes odd values, the other
/// answers with the next even one. The clock starts after as many hand-overs again, once both
/// threads run on their own CPUs.
inline double round_trip_ns(Line& line, int here, int there, std::uint32_t rounds) {
    const std::uint32_t total = 2 * rounds;
    std::thread other([&line, there, total] {
        pin_to(there);
        for (std::uint32_t i = 0; i < total; ++i) {
            while (line.value.load(std::memory_order_acquire) != 2 * i + 1) {
            }
            line.value.store(2 * i + 2, std::memory_order_release);
        }
    });
    pin_to(here);
    std::chrono::steady_clock::time_point start;
    for (std::uint32_t i = 0; i < total; ++i) {
        if (i == rounds) start = std::chrono::steady_clock::now();
        line.value.store(2 * i + 1, std::memory_order_release);
        while (line.value.load(std::memory_order_acquire) != 2 * i + 2) {
        }
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    other.join();
    return seconds * 1e9 / rounds;
}

}  // namespace detail

/// The round trip between the first two CPUs of this process's affinity mask; nullopt if it
/// has only one. The calling thread's own affinity is put back afterwards.
inline std::optional<RoundTrip> core_round_trip(std::uint32_t rounds = 20000,
                                                std::uint32_t repeats = 15) {
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    if (pthread_getaffinity_np(pthread_self(), sizeof allowed, &allowed) != 0) return std::nullopt;
    std::vector<int> cpus;
    for (int cpu = 0; cpu < CPU_SETSIZE && cpus.size() < 2; ++cpu)
        if (CPU_ISSET(cpu, &allowed)) cpus.push_back(cpu);
    if (cpus.size() < 2 || repeats == 0) return std::nullopt;
    // Each repeat on a line of its own, 65 lines (a page and a line) after the last: a hand-over
    // takes 52 to 80 ns on the Zen 4 VM depending on where the line lives (which slice of the L3
    // holds it), so the median is taken over lines at many addresses.
    constexpr std::size_t kStride = 65;
    std::vector<detail::Line> lines(repeats * kStride);
    std::vector<double> ns;
    for (std::uint32_t r = 0; r < repeats; ++r)
        ns.push_back(detail::round_trip_ns(lines[r * kStride], cpus[0], cpus[1], rounds));
    pthread_setaffinity_np(pthread_self(), sizeof allowed, &allowed);
    std::sort(ns.begin(), ns.end());
    return RoundTrip{{cpus[0], cpus[1]}, ns[ns.size() / 2], ns.front(), ns.back()};
}

}  // namespace bench
