// allreduce: MPI_Allreduce (through dist::World::sum) of float32 messages from 4 bytes to 64 MiB
// between the processes of an MPI launch, and the alpha-beta model fitted to them: the time of
// a message of n bytes is alpha + n / bandwidth. One JSON line from process 0.
//     mpirun -np 2 build/bench/bench/allreduce [--rounds 50]
#include <algorithm>
#include <chrono>
#include <iostream>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <xtgrad/dist/world.hpp>

#include "measure.hpp"

int main(int argc, char** argv) {
    xtgrad::dist::World world(argc, argv);
    CLI::App app{"MPI_Allreduce times and their alpha-beta model", "allreduce"};
    int rounds = 50;
    app.add_option("--rounds", rounds, "timed calls per size (the median is kept)")
        ->check(CLI::PositiveNumber);
    CLI11_PARSE(app, argc, argv);

    nlohmann::json sizes = nlohmann::json::array();
    std::vector<double> bytes, seconds;
    for (std::size_t n = 1; n <= (std::size_t{16} << 20); n *= 4) {
        std::vector<float> values(n, 1.0f);
        std::vector<double> times;
        for (int r = 0; r < rounds + 2; ++r) {
            world.any(false);  // start together
            const auto start = std::chrono::steady_clock::now();
            world.sum(std::span<float>(values));
            times.push_back(
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
        }
        times.erase(times.begin(), times.begin() + 2);  // warm-up
        // Every process's median; the slowest is the collective's time.
        double t = bench::median(times);
        std::vector<double> all(static_cast<std::size_t>(world.size()), 0.0);
        all[static_cast<std::size_t>(world.rank())] = t;
        world.sum(std::span<double>(all));
        t = *std::max_element(all.begin(), all.end());
        bytes.push_back(4.0 * static_cast<double>(n));
        seconds.push_back(t);
        sizes.push_back({{"bytes", bytes.back()}, {"seconds", t}});
    }
    // t = alpha + beta * bytes, fitted by least squares of the relative errors (weights
    // 1 / t^2), so that the 4-byte and the 64-MiB messages count alike.
    double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        const double w = 1 / (seconds[i] * seconds[i]);
        sw += w;
        sx += w * bytes[i];
        sy += w * seconds[i];
        sxx += w * bytes[i] * bytes[i];
        sxy += w * bytes[i] * seconds[i];
    }
    const double beta = (sw * sxy - sx * sy) / (sw * sxx - sx * sx);
    const double alpha = (sy - beta * sx) / sw;
    if (world.rank() == 0)
        std::cout << nlohmann::json{{"bench", "allreduce"},
                                    {"processes", world.size()},
                                    {"sizes", sizes},
                                    {"alpha_us", 1e6 * alpha},
                                    {"bandwidth_gb_per_s", 1e-9 / beta}}
                         .dump()
                  << std::endl;
}
