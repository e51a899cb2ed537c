#pragma once

// Internal to the maildir module: APPEND into a folder, the Maildir way:
// write into tmp/, fsync, rename into cur/ under the folder lock, fsync the
// directory, then append the UID line to the UID list and fsync it, so the
// message has a durable UID before commit returns.

#include "maildir_state.hpp"
#include "posix_io.hpp"

#include <mailaccess/store/mailbox.hpp>
#include <mailaccess/store/message_source.hpp>

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <system_error>

namespace mailaccess::maildir::detail {

/// Where a new message goes and what it starts with.
struct append_target {
    std::string user;
    std::string mailbox;
    std::filesystem::path maildir;  // the account's, for quota
    std::filesystem::path dir;      // the folder's
};

/// Thread safety: distinct objects safe, shared objects unsafe.
class maildir_append_sink final : public store::append_sink {
public:
    /// `fd` is open on `tmp_path` (tmp/<basename>); `room` is the quota
    /// left when the append started; `flags.keywords` must be normalized.
    maildir_append_sink(state_ptr st, append_target target, fd_guard fd, std::filesystem::path tmp_path,
                        std::string basename, store::flag_set flags, std::int64_t date, std::uint64_t room);
    ~maildir_append_sink() override;

    std::error_code write(std::span<const char> bytes) override;
    result<std::uint32_t> commit() override;
    void abort() noexcept override;

private:
    state_ptr state_;
    append_target target_;
    fd_guard fd_;
    std::filesystem::path tmp_path_;
    std::string basename_;
    store::flag_set flags_;
    std::int64_t date_;
    std::uint64_t room_;
    std::uint64_t size_ = 0;
};

}  // namespace mailaccess::maildir::detail
