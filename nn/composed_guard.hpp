// Which implementation the layers and losses run: their fused ops (one tape node each, with a
// hand-written backward: the default) or their composition from tape primitives (composed.hpp).
//
//     { nn::ComposedGuard composed;  loss = criterion(model(x), y); }  // composed path here
//
// The setting is per thread, like NoGradGuard, and guards nest.
#pragma once

namespace xtgrad::nn {

/// True while a ComposedGuard is active on this thread.
bool composed_enabled();

class ComposedGuard {
  public:
    /// enable = false runs the fused ops inside an outer guard's scope.
    explicit ComposedGuard(bool enable = true);
    ~ComposedGuard();
    ComposedGuard(const ComposedGuard&) = delete;
    ComposedGuard& operator=(const ComposedGuard&) = delete;

  private:
    bool previous_;
};

}  // namespace xtgrad::nn
