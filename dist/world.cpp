#include "xtgrad/dist/world.hpp"

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <string>
#include <type_traits>

#include <mpi.h>

namespace xtgrad::dist {

namespace {

World* g_current = nullptr;

void check(int code, const char* call) {
    if (code == MPI_SUCCESS) return;
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    MPI_Error_string(code, text, &length);
    throw std::runtime_error(std::string(call) + " failed: " + std::string(text, length));
}

template <class T>
MPI_Datatype datatype() {
    if constexpr (std::is_same_v<T, float>)
        return MPI_FLOAT;
    else
        return MPI_DOUBLE;
}

/// MPI counts are ints: a longer span goes in pieces.
template <class T, class F>
void in_pieces(std::span<T> values, F&& call) {
    constexpr std::size_t kMax = INT_MAX;
    for (std::size_t first = 0; first < values.size(); first += kMax)
        call(values.data() + first, static_cast<int>(std::min(kMax, values.size() - first)));
}

}  // namespace

World::World(int& argc, char**& argv) {
    int initialised = 0;
    check(MPI_Initialized(&initialised), "MPI_Initialized");
    if (g_current != nullptr || initialised)
        throw std::logic_error("dist::World: MPI is already initialised in this process");
    int provided = 0;
    // Only the main thread calls MPI; BLAS and oneDNN threads never do.
    check(MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
    check(MPI_Comm_rank(MPI_COMM_WORLD, &rank_), "MPI_Comm_rank");
    check(MPI_Comm_size(MPI_COMM_WORLD, &size_), "MPI_Comm_size");
    MPI_Comm local;
    check(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &local),
          "MPI_Comm_split_type");
    check(MPI_Comm_size(local, &local_size_), "MPI_Comm_size");
    MPI_Comm_free(&local);
    g_current = this;
}

World::~World() {
    g_current = nullptr;
    MPI_Finalize();
}

World* World::current() {
    return g_current;
}

template <class T>
void World::broadcast(std::span<T> values, int root) const {
    in_pieces(values, [&](T* data, int count) {
        check(MPI_Bcast(data, count, datatype<T>(), root, MPI_COMM_WORLD), "MPI_Bcast");
    });
}

template <class T>
void World::sum(std::span<T> values) const {
    in_pieces(values, [&](T* data, int count) {
        check(MPI_Allreduce(MPI_IN_PLACE, data, count, datatype<T>(), MPI_SUM, MPI_COMM_WORLD),
              "MPI_Allreduce");
    });
}

bool World::any(bool value) const {
    int flag = value ? 1 : 0;
    check(MPI_Allreduce(MPI_IN_PLACE, &flag, 1, MPI_INT, MPI_LOR, MPI_COMM_WORLD), "MPI_Allreduce");
    return flag != 0;
}

std::vector<std::uint8_t> World::from_root(const std::function<std::vector<std::uint8_t>()>& read,
                                           int root) const {
    std::vector<std::uint8_t> bytes;
    std::exception_ptr failure;
    if (rank_ == root) {
        try {
            bytes = read();
        } catch (const std::exception& e) {
            failure = std::current_exception();
            const std::string message = e.what();
            bytes.assign(message.begin(), message.end());
        }
    }
    std::uint64_t header[2] = {failure ? 1u : 0u, bytes.size()};  // failed, size
    check(MPI_Bcast(header, 2, MPI_UINT64_T, root, MPI_COMM_WORLD), "MPI_Bcast");
    bytes.resize(header[1]);
    in_pieces(std::span<std::uint8_t>(bytes), [&](std::uint8_t* data, int count) {
        check(MPI_Bcast(data, count, MPI_BYTE, root, MPI_COMM_WORLD), "MPI_Bcast");
    });
    if (failure) std::rethrow_exception(failure);
    if (header[0] != 0) throw std::runtime_error(std::string(bytes.begin(), bytes.end()));
    return bytes;
}

void World::abort(int code) const {
    MPI_Abort(MPI_COMM_WORLD, code);
    std::abort();  // MPI_Abort does not return
}

#define XTGRAD_INSTANTIATE(T)                                \
    template void World::broadcast(std::span<T>, int) const; \
    template void World::sum(std::span<T>) const;
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad::dist
