// MPI for this process, as a scoped object: the constructor initialises MPI, the destructor
// finalises it, and the collectives xtgrad needs run over every process of the launch.
//
//     int main(int argc, char** argv) {
//         xtgrad::dist::World world(argc, argv);   // under mpirun -np K
//         if (world.rank() == 0) std::cout << world.size() << " processes\n";
//     }
//
// Errors are fatal, as MPI's default: a process that dies (even by SIGKILL) makes the launcher
// (mpirun) end the others with an error instead of leaving them waiting in a collective.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "xtgrad/autograd/array.hpp"

namespace xtgrad::dist {

class World {
  public:
    /// Initialises MPI (one World per process at a time; throws std::logic_error for a second).
    World(int& argc, char**& argv);
    ~World();
    World(const World&) = delete;
    World& operator=(const World&) = delete;

    /// The live World, or null.
    static World* current();

    int rank() const { return rank_; }
    int size() const { return size_; }
    /// Processes of the launch on this machine (they share its cores).
    int local_size() const { return local_size_; }

    /// Sets values on every process to the root's.
    template <class T>
    void broadcast(std::span<T> values, int root = 0) const;
    /// Replaces values by their element-wise sum over every process (MPI_Allreduce).
    template <class T>
    void sum(std::span<T> values) const;
    /// Whether any process passes true.
    bool any(bool value) const;
    /// The root's result of read() on every process (only the root calls it). If it throws
    /// there, the root rethrows its exception and the others throw std::runtime_error with its
    /// message, so that no process is left waiting.
    std::vector<std::uint8_t> from_root(const std::function<std::vector<std::uint8_t>()>& read,
                                        int root = 0) const;

    /// Ends every process of the launch with this exit code (MPI_Abort): for an error that
    /// other processes may not have met, which would leave them waiting in a collective.
    [[noreturn]] void abort(int code) const;

  private:
    int rank_ = 0;
    int size_ = 1;
    int local_size_ = 1;
};

#define XTGRAD_EXTERN(T)                                            \
    extern template void World::broadcast(std::span<T>, int) const; \
    extern template void World::sum(std::span<T>) const;
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_EXTERN)
#undef XTGRAD_EXTERN

}  // namespace xtgrad::dist
