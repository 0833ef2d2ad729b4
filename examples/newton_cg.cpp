// Newton's method with exact Hessian-vector products: L2-regularised logistic regression on
// synthetic, badly conditioned data, each Newton step solved by conjugate gradients with hvp()
// (never forming the Hessian), against gradient descent with the step 1/L, L the largest
// Hessian eigenvalue found by power iteration (hvp again).
//
//     newton-cg [--check]    with --check, exits 1 unless Newton converges in at most 12 steps
//                            and in at least 20 times fewer steps than gradient descent
#include <cmath>
#include <cstdio>
#include <string>

#include <xtgrad/autograd/autograd.hpp>

using namespace xtgrad;
using Vec = std::vector<Tensord>;

namespace {

constexpr std::size_t kSamples = 400;
constexpr std::size_t kFeatures = 20;
constexpr double kRidge = 1e-3;
constexpr double kTolerance = 1e-8;  // on the gradient's norm

/// Features with scales from 1 to 30 (an ill-conditioned problem) and labels +-1 from a noisy
/// linear rule.
void make_data(RandomEngine& rng, Array<double>& x, Array<double>& y) {
    x = empty_array<double>({kSamples, kFeatures});
    y = empty_array<double>({kSamples, 1});
    for (std::size_t n = 0; n < kSamples; ++n) {
        double score = 0;
        for (std::size_t j = 0; j < kFeatures; ++j) {
            const double scale = 1.0 + 29.0 * static_cast<double>(j) / (kFeatures - 1);
            x(n, j) = scale * rng.normal() / 10;
            score += (j % 2 ? 1.0 : -1.0) * x(n, j) / scale;
        }
        y(n, 0) = score + 0.5 * rng.normal() > 0 ? 1.0 : -1.0;
    }
}

double norm(const Tensord& v) {
    return std::sqrt(sum(v * v).item());
}

double dot(const Tensord& a, const Tensord& b) {
    return sum(a * b).item();
}

}  // namespace

int main(int argc, char** argv) {
    const bool check = argc == 2 && std::string(argv[1]) == "--check";
    StdRandom rng(7);
    Array<double> x_data, y_data;
    make_data(rng, x_data, y_data);
    const Tensord x(x_data), y(y_data);
    // mean log(1 + exp(-y x w)) + ridge/2 |w|^2
    const TensorFunction<double> loss = [&](const Vec& w) {
        const Tensord margin = y * matmul(x, w[0]);
        return mean(log(1.0 + exp(-margin))) + sum(w[0] * w[0]) * (kRidge / 2);
    };
    const auto gradient = [&](const Tensord& w) {
        return vjp<double>(loss, {w}, Tensord(Array<double>(1.0))).result[0];
    };
    const auto zeros = [] {
        return Tensord(Array<double>(xt::zeros<double>(Shape{kFeatures, 1})));
    };

    std::printf("Newton-CG (Hessian-vector products by reverse-over-reverse)\n");
    Tensord w = zeros();
    int newton_steps = 0;
    for (; newton_steps < 50; ++newton_steps) {
        const Tensord g = gradient(w);
        std::printf("  step %2d  loss %.12f  |grad| %.3e\n", newton_steps, loss({w}).item(),
                    norm(g));
        if (norm(g) < kTolerance) break;
        // Conjugate gradients for H p = -g (H is positive definite: the ridge term).
        Tensord p = zeros();
        Tensord r = -g;
        Tensord d = r;
        for (std::size_t i = 0; i < kFeatures && norm(r) > 1e-3 * kTolerance; ++i) {
            const Tensord hd = hvp<double>(loss, {w}, {d}).result[0];
            const double alpha = dot(r, r) / dot(d, hd);
            p = p + d * alpha;
            const Tensord next = r - hd * alpha;
            d = next + d * (dot(next, next) / dot(r, r));
            r = next;
        }
        w = w + p;
    }

    // Gradient descent with step 1/L.
    Tensord v(Array<double>(xt::ones<double>(Shape{kFeatures, 1})));
    double largest = 0;
    for (int i = 0; i < 50; ++i) {
        const Tensord hv = hvp<double>(loss, {zeros()}, {v}).result[0];
        largest = norm(hv) / norm(v);
        v = hv / norm(hv);
    }
    const double step = 1 / largest;
    std::printf("gradient descent, step 1/L = %.4g (L from 50 power iterations with hvp)\n", step);
    Tensord u = zeros();
    int descent_steps = 0;
    constexpr int kMaxDescent = 20000;
    for (; descent_steps < kMaxDescent; ++descent_steps) {
        const Tensord g = gradient(u);
        if (norm(g) < kTolerance) break;
        if (descent_steps % 2000 == 0)
            std::printf("  step %5d  loss %.12f  |grad| %.3e\n", descent_steps, loss({u}).item(),
                        norm(g));
        u = u - g * step;
    }
    std::printf("Newton: %d steps; gradient descent: %s%d steps; |w_newton - w_gd| = %.2e\n",
                newton_steps, descent_steps == kMaxDescent ? "more than " : "", descent_steps,
                norm(w - u));
    if (!check) return 0;
    return newton_steps <= 12 && descent_steps >= 20 * newton_steps ? 0 : 1;
}
