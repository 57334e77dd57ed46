#pragma once

// An allocator over a memory resource, for Beast's header fields: a parser given one over a monotonic buffer with
// room on the coroutine's frame allocates nothing for an ordinary request's dozen fields (Beast allocates each field
// on its own otherwise). Internal to the HTTP library.

#include <array>
#include <cstddef>
#include <memory_resource>

namespace scn::http::detail {

template <typename T>
class ArenaAllocator {
public:
    using value_type = T;

    explicit ArenaAllocator(std::pmr::memory_resource* resource) noexcept : resource_(resource) {}
    template <typename U>
    ArenaAllocator(const ArenaAllocator<U>& other) noexcept : resource_(other.resource()) {}  // NOLINT: rebinding

    T* allocate(std::size_t n) { return static_cast<T*>(resource_->allocate(n * sizeof(T), alignof(T))); }
    void deallocate(T* p, std::size_t n) noexcept { resource_->deallocate(p, n * sizeof(T), alignof(T)); }
    [[nodiscard]] std::pmr::memory_resource* resource() const noexcept { return resource_; }

    template <typename U>
    bool operator==(const ArenaAllocator<U>& other) const noexcept {
        return resource_ == other.resource();
    }

private:
    std::pmr::memory_resource* resource_;
};

/// Room for one message's header fields; what does not fit goes to the heap.
struct FieldArena {
    static constexpr std::size_t kBytes = 4096;
    alignas(std::max_align_t) std::array<std::byte, kBytes> room;
};

}  // namespace scn::http::detail
