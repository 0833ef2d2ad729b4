// Uses the installed headers and library: one gradient, checked against its closed form.
#include <cmath>
#include <cstdlib>
#include <iostream>

#include <xtgrad/autograd/autograd.hpp>
#include <xtgrad/train/run_config.hpp>

int main() {
    using namespace xtgrad;
    auto w = Tensor<float>::parameter(Array<float>{0.5f, -1.5f, 2.0f});
    Tensor<float> loss = sum(w * w);  // d loss / dw = 2 w
    loss.backward();
    for (std::size_t i = 0; i < 3; ++i) {
        if (std::abs(w.grad()(i) - 2 * w.value()(i)) > 1e-6f) {
            std::cerr << "consumer: wrong gradient at " << i << "\n";
            return EXIT_FAILURE;
        }
    }
    // xtgrad::train is exported too: its configuration table, read from JSON.
    train::RunConfig config;
    train::apply_json(config, {{"batch-size", 50}});
    if (config.batch_size != 50 || !train::validate(config).empty()) {
        std::cerr << "consumer: xtgrad::train misread a config\n";
        return EXIT_FAILURE;
    }
    std::cout << "consumer: xtgrad and xtgrad::train found and working (loss " << loss.item()
              << ")\n";
    return EXIT_SUCCESS;
}
