// APPEND (RFC 3501 section 6.3.11, RFC 3502 MULTIAPPEND, RFC 4315 UIDPLUS
// APPENDUID). Small messages come inline with the command; large ones were
// streamed into sinks opened by append_begin before the command completed.
// Nothing is acknowledged before every sink has committed, and a failure
// aborts the messages not yet committed (MULTIAPPEND is all or nothing as
// far as the store allows: committed ones stay, which RFC 3502 section 6.3.11
// tolerates for stores without transactions).

#include "imap_convert.hpp"
#include "imap_engine_impl.hpp"

#include <mailaccess/store/error.hpp>

namespace mailaccess::engine {

imap::append_reply imap_engine::impl::append_begin(const imap::append_begin_request& r) {
    const auto no = [](std::error_code ec) {
        return imap::append_reply{ec, response_code_for(ec, true), "APPEND failed: " + ec.message() + "."};
    };
    if (!account) return no(make_error_code(store::errc::no_such_mailbox));
    if (!append_target || append_target_name != r.mailbox.str()) {
        append_abort();
        auto target = account->open_mailbox(r.mailbox.str(), store::open_mode::read_write);
        if (!target) return no(target.error());
        append_target = std::move(*target);
        append_target_name = r.mailbox.str();
    }
    const std::int64_t date = r.internal_date ? detail::to_unix(*r.internal_date) : 0;
    auto sink = append_target->append(detail::to_flag_set(r.flags), date);
    if (!sink) return no(sink.error());
    append_sinks.push_back(std::move(*sink));
    append_literals.push_back(r.literal_index);
    return imap::append_reply{};
}

imap::append_reply imap_engine::impl::append_data(const imap::append_data_request& r) {
    if (append_sinks.empty())
        return imap::append_reply{make_error_code(store::errc::io_error), std::nullopt, "No APPEND."};
    if (auto ec = append_sinks.back()->write(r.bytes)) {
        append_abort();
        return imap::append_reply{ec, response_code_for(ec, true), "APPEND failed: " + ec.message() + "."};
    }
    return imap::append_reply{};
}

void imap_engine::impl::append_abort() noexcept {
    for (auto& sink : append_sinks)
        if (sink) sink->abort();
    append_sinks.clear();
    append_literals.clear();
    append_target.reset();
    append_target_name.clear();
}

imap::command_reply imap_engine::impl::append(imap::cmd::append& c) {
    std::unique_ptr<store::mailbox> target;
    if (append_target && append_target_name == c.mailbox.str()) {
        target = std::move(append_target);
    } else {
        auto opened = account->open_mailbox(c.mailbox.str(), store::open_mode::read_write);
        if (!opened) {
            append_abort();
            return failure(opened.error(), "APPEND failed", true);
        }
        target = std::move(*opened);
    }
    auto status = target->status();
    if (!status) {
        append_abort();
        return failure(status.error(), "APPEND failed", true);
    }
    // Pair each streamed message with its sink by literal index; write the
    // inline ones now. Sinks are committed only once all are complete.
    std::vector<std::unique_ptr<store::append_sink>> sinks;
    for (auto& m : c.messages) {
        std::unique_ptr<store::append_sink> sink;
        if (m.streamed) {
            for (std::size_t i = 0; i < append_literals.size(); ++i)
                if (append_literals[i] == m.literal_index && append_sinks[i])
                    sink = std::move(append_sinks[i]);
            if (!sink) {
                append_abort();
                for (auto& s : sinks) s->abort();
                return reply(imap::status_kind::no,
                             imap::response_code::simple(imap::response_code_kind::serverbug),
                             "APPEND failed: streamed message lost.");
            }
        } else {
            const std::int64_t date = m.internal_date ? detail::to_unix(*m.internal_date) : 0;
            auto opened = target->append(detail::to_flag_set(m.flags), date);
            std::error_code ec = opened ? std::error_code{} : opened.error();
            if (!ec) ec = (*opened)->write(m.data);
            if (ec) {
                append_abort();
                for (auto& s : sinks) s->abort();
                if (opened && *opened) (*opened)->abort();
                return failure(ec, "APPEND failed", true);
            }
            sink = std::move(*opened);
        }
        sinks.push_back(std::move(sink));
    }
    append_abort();  // anything begun but not part of this command
    std::vector<std::uint32_t> uids;
    for (std::size_t i = 0; i < sinks.size(); ++i) {
        auto uid = sinks[i]->commit();
        if (!uid) {
            for (std::size_t j = i + 1; j < sinks.size(); ++j) sinks[j]->abort();
            return failure(uid.error(), "APPEND failed", true);
        }
        uids.push_back(*uid);
    }
    // RFC 4315 section 3: APPENDUID uidvalidity uid-set.
    imap::response_code code;
    code.kind = imap::response_code_kind::appenduid;
    code.number = status->uidvalidity;
    if (auto set = detail::to_sequence_set(uids)) code.dest_uids = std::move(*set);
    return reply(imap::status_kind::ok, std::move(code), "Append completed.");
}

}  // namespace mailaccess::engine
