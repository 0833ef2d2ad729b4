// The tape in a dozen lines: y = relu(x W + b), a scalar loss, and the gradients of W and b.
#include <iostream>

#include <xtgrad/autograd/autograd.hpp>

int main() {
    using namespace xtgrad;
    Tensor<double> x(Array<double>{{1.0, -2.0, 0.5}, {0.0, 1.0, -1.0}});  // a batch of 2
    auto W = Tensor<double>::parameter(Array<double>{{0.1, -0.2}, {0.3, 0.4}, {-0.5, 0.6}});
    auto b = Tensor<double>::parameter(Array<double>{0.05, -0.05});

    Tensor<double> y = relu(matmul(x, W) + b);  // (2, 2); b broadcasts over the batch
    Tensor<double> loss = mean(square(y));
    loss.backward();  // walks the tape once, in reverse

    std::cout << "loss  = " << loss.item() << "\n";
    for (std::size_t i = 0; i < 3; ++i)
        std::cout << "dW[" << i << "] = " << W.grad()(i, 0) << " " << W.grad()(i, 1) << "\n";
    std::cout << "db    = " << b.grad()(0) << " " << b.grad()(1) << "\n";
}
