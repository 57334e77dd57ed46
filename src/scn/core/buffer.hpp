#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace scn::core {

/// A byte buffer that keeps its storage when cleared: filling it again neither allocates nor zeroes memory it has
/// held before (std::string::resize would zero every byte it adds). For large response bodies assembled per
/// request, taken from a BufferPool.
class Buffer {
public:
    /// Room for `n` more bytes at the end, to be written by the caller; they become part of the buffer.
    char* grow(std::size_t n) {
        if (storage_.size() < size_ + n) {
            storage_.resize(std::max(size_ + n, storage_.size() * 2));
        }
        char* at = storage_.data() + size_;
        size_ += n;
        return at;
    }
    void append(std::string_view bytes) {
        if (!bytes.empty()) {
            std::copy(bytes.begin(), bytes.end(), grow(bytes.size()));
        }
    }
    void push_back(char c) { *grow(1) = c; }
    void clear() { size_ = 0; }
    [[nodiscard]] std::size_t size() const { return size_; }
    [[nodiscard]] bool empty() const { return size_ == 0; }
    [[nodiscard]] std::size_t capacity() const { return storage_.size(); }
    [[nodiscard]] std::string_view view() const { return {storage_.data(), size_}; }

private:
    std::string storage_;  // its size is the capacity in use; bytes past size_ are left from earlier fills
    std::size_t size_ = 0;
};

/// Hands out Buffers and takes them back when their last owner lets go, so that the storage of a large response
/// body is reused by the next one. Keeps at most `max_kept` buffers of at most `max_kept_bytes` each. Buffers may
/// outlive the pool.
class BufferPool {
public:
    explicit BufferPool(std::size_t max_kept = 64, std::size_t max_kept_bytes = 16 * 1024 * 1024)
        : state_(std::make_shared<State>(max_kept, max_kept_bytes)) {}

    /// An empty buffer.
    [[nodiscard]] std::shared_ptr<Buffer> take() {
        std::unique_ptr<Buffer> b;
        {
            const std::lock_guard lock(state_->mutex);
            if (!state_->free.empty()) {
                b = std::move(state_->free.back());
                state_->free.pop_back();
            }
        }
        if (!b) {
            b = std::make_unique<Buffer>();
        }
        return {b.release(), [state = state_](Buffer* returned) {
                    returned->clear();
                    std::unique_ptr<Buffer> owned(returned);
                    const std::lock_guard lock(state->mutex);
                    if (state->free.size() < state->max_kept && returned->capacity() <= state->max_kept_bytes) {
                        state->free.push_back(std::move(owned));
                    }
                }};
    }
    /// Buffers waiting to be taken again (for tests).
    [[nodiscard]] std::size_t kept() const {
        const std::lock_guard lock(state_->mutex);
        return state_->free.size();
    }

private:
    struct State {
        State(std::size_t kept, std::size_t bytes) : max_kept(kept), max_kept_bytes(bytes) {}
        std::mutex mutex;
        std::vector<std::unique_ptr<Buffer>> free;
        std::size_t max_kept;
        std::size_t max_kept_bytes;
    };
    std::shared_ptr<State> state_;
};

}  // namespace scn::core
