#include "xtgrad/nn/init.hpp"

#include <cmath>
#include <stdexcept>

namespace xtgrad::nn {

template <class T>
void initialize(Array<T>& weight, const Init& init, RandomEngine& rng) {
    if (weight.dimension() != 2)
        throw ShapeError("initialize", weight.shape(), "weights are (fan_in, fan_out) matrices");
    const double fan_in = static_cast<double>(weight.shape(0));
    const double fan_out = static_cast<double>(weight.shape(1));
    switch (init.kind) {
        case Init::Kind::normal:
            if (!(init.std >= 0)) throw std::invalid_argument("initialize: std must be >= 0");
            for (auto& w : weight) w = static_cast<T>(rng.normal() * init.std);
            return;
        case Init::Kind::xavier_uniform:
        case Init::Kind::kaiming_uniform: {
            const double bound = init.kind == Init::Kind::xavier_uniform
                                     ? std::sqrt(6.0 / (fan_in + fan_out))
                                     : std::sqrt(6.0 / fan_in);
            for (auto& w : weight) w = static_cast<T>((2.0 * rng.uniform() - 1.0) * bound);
            return;
        }
    }
}

template void initialize(Array<float>&, const Init&, RandomEngine&);
template void initialize(Array<double>&, const Init&, RandomEngine&);

}  // namespace xtgrad::nn
