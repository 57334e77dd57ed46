#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace scn::console {

/// A fixed-capacity ring of values numbered 1, 2, … in the order pushed; once full, each push replaces the oldest.
/// Storage is allocated as it fills, never beyond the capacity. Not synchronised: use it from one thread (the
/// io_context's).
template <typename T>
class Ring {
public:
    explicit Ring(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)) {}

    /// Adds `value` and returns its sequence number. When it replaces the oldest value, that value is swapped into
    /// `*replaced` (when given), whose storage the caller may reuse.
    std::uint64_t push(T value, T* replaced = nullptr) {
        const std::uint64_t seq = next_++;
        if (slots_.size() < capacity_) {
            slots_.push_back(std::move(value));
        } else if (replaced != nullptr) {
            *replaced = std::move(value);
            std::swap(slots_[index(seq)], *replaced);
        } else {
            slots_[index(seq)] = std::move(value);
        }
        return seq;
    }

    [[nodiscard]] std::size_t capacity() const { return capacity_; }
    /// Values kept.
    [[nodiscard]] std::size_t size() const { return static_cast<std::size_t>(next_ - oldest()); }
    [[nodiscard]] bool empty() const { return size() == 0; }
    /// The sequence number of the newest value (0: none yet).
    [[nodiscard]] std::uint64_t last_seq() const { return next_ - 1; }
    /// The sequence number of the oldest value still kept (0: none).
    [[nodiscard]] std::uint64_t first_seq() const { return empty() ? 0 : oldest(); }

    /// The value numbered `seq`, or null when it was never pushed or has been replaced.
    [[nodiscard]] const T* find(std::uint64_t seq) const {
        if (seq >= next_ || seq < oldest()) {
            return nullptr;
        }
        return &slots_[index(seq)];
    }
    [[nodiscard]] T* find(std::uint64_t seq) {
        return const_cast<T*>(
            static_cast<const Ring&>(*this).find(seq));  // NOLINT(cppcoreguidelines-pro-type-const-cast)
    }

    /// Calls `f(seq, value)` for every value numbered above `after`, oldest first.
    template <typename F>
    void for_each_after(std::uint64_t after, F&& f) const {
        for (std::uint64_t seq = std::max(after + 1, oldest()); seq < next_; ++seq) {
            f(seq, slots_[index(seq)]);
        }
    }

    /// Forgets every value (their storage is reused by the next pushes); numbering goes on where it was.
    void clear() { floor_ = next_; }

private:
    /// The lowest sequence number still kept (next_ when none is).
    [[nodiscard]] std::uint64_t oldest() const { return std::max(floor_, next_ - slots_.size()); }
    [[nodiscard]] std::size_t index(std::uint64_t seq) const { return static_cast<std::size_t>((seq - 1) % capacity_); }

    std::size_t capacity_;
    std::vector<T> slots_;
    std::uint64_t next_ = 1;
    std::uint64_t floor_ = 1;  ///< values below it were cleared
};

}  // namespace scn::console
