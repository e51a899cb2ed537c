// The engine over the store's message cache (ms::mailbox::cache): a second
// header sync by another session reads no message file and answers byte for
// byte the same; a damaged entry is recomputed, never believed.

#include "imap_connection.hpp"

#include <mailaccess/auth/passwd_file.hpp>
#include <mailaccess/mime/message_structure.hpp>
#include <mailaccess/store/memory_store.hpp>

#include <catch2/catch.hpp>
#include <maildir/scratch_store.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace mailaccess;
namespace ms = mailaccess::store;

namespace {

// Counts message opens; everything else goes to the wrapped store.
struct open_counter {
    int opens = 0;
};

class counting_mailbox final : public ms::mailbox {
public:
    counting_mailbox(std::unique_ptr<ms::mailbox> inner, open_counter& counter)
        : inner_(std::move(inner)), counter_(counter) {}
    const std::string& name() const noexcept override { return inner_->name(); }
    bool is_read_only() const noexcept override { return inner_->is_read_only(); }
    result<ms::mailbox_status> status() override { return inner_->status(); }
    result<std::vector<ms::message_info>> list() override { return inner_->list(); }
    result<std::unique_ptr<ms::message_source>> open(std::uint32_t uid) override {
        ++counter_.opens;
        return inner_->open(uid);
    }
    result<std::vector<ms::message_info>> store_flags(std::span<const std::uint32_t> uids, ms::flag_mode mode,
                                                      const ms::flag_set& flags) override {
        return inner_->store_flags(uids, mode, flags);
    }
    result<std::vector<std::uint32_t>> expunge(std::span<const std::uint32_t> uids) override {
        return inner_->expunge(uids);
    }
    result<std::unique_ptr<ms::append_sink>> append(const ms::flag_set& flags, std::int64_t date) override {
        return inner_->append(flags, date);
    }
    result<std::vector<std::uint32_t>> copy(std::span<const std::uint32_t> uids,
                                            ms::mailbox& target) override {
        return inner_->copy(uids, target);
    }
    std::optional<std::string> cached(std::uint32_t uid, std::string_view key) override {
        return inner_->cached(uid, key);
    }
    void cache(std::uint32_t uid, std::string_view key, std::string_view value) override {
        inner_->cache(uid, key, value);
    }

private:
    std::unique_ptr<ms::mailbox> inner_;
    open_counter& counter_;
};

class counting_account final : public ms::account {
public:
    counting_account(std::unique_ptr<ms::account> inner, open_counter& counter)
        : inner_(std::move(inner)), counter_(counter) {}
    const std::string& user() const noexcept override { return inner_->user(); }
    result<std::vector<ms::mailbox_entry>> list_mailboxes() override { return inner_->list_mailboxes(); }
    result<std::unique_ptr<ms::mailbox>> open_mailbox(std::string_view name, ms::open_mode mode) override {
        auto box = inner_->open_mailbox(name, mode);
        if (!box) return box;
        return std::unique_ptr<ms::mailbox>(std::make_unique<counting_mailbox>(std::move(*box), counter_));
    }
    std::error_code create_mailbox(std::string_view name, ms::special_use use) override {
        return inner_->create_mailbox(name, use);
    }
    std::error_code delete_mailbox(std::string_view name) override { return inner_->delete_mailbox(name); }
    std::error_code rename_mailbox(std::string_view from, std::string_view to) override {
        return inner_->rename_mailbox(from, to);
    }
    std::error_code set_subscribed(std::string_view name, bool on) override {
        return inner_->set_subscribed(name, on);
    }
    result<ms::quota_usage> quota() override { return inner_->quota(); }

private:
    std::unique_ptr<ms::account> inner_;
    open_counter& counter_;
};

class counting_store final : public ms::store {
public:
    explicit counting_store(ms::store& inner) : inner_(inner) {}
    open_counter counter;
    result<std::unique_ptr<ms::account>> open_account(std::string_view user) override {
        auto acc = inner_.open_account(user);
        if (!acc) return acc;
        return std::unique_ptr<ms::account>(std::make_unique<counting_account>(std::move(*acc), counter));
    }
    result<std::unique_ptr<ms::maildrop_lock>> lock_maildrop(std::string_view user) override {
        return inner_.lock_maildrop(user);
    }
    std::unique_ptr<ms::subscription> subscribe(std::string_view user, ms::change_listener l) override {
        return inner_.subscribe(user, std::move(l));
    }

private:
    ms::store& inner_;
};

std::string message_file(const char* name) {
    std::ifstream in(std::filesystem::path(MAILACCESS_TEST_DATA_DIR) / "imap" / "messages" / name,
                     std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// What a header sync asks for (Thunderbird's shape, shortened).
constexpr const char* header_sync =
    "f UID FETCH 1:* (UID RFC822.SIZE FLAGS INTERNALDATE ENVELOPE BODYSTRUCTURE "
    "BODY.PEEK[HEADER.FIELDS (From To Subject Date Message-ID Content-Type)])";

struct fixture {
    ms::memory_store memory;
    counting_store counting{memory};
    auth::passwd_file users = auth::passwd_file::parse("alice:{PLAIN}secret\n");
    std::shared_ptr<engine::recent_tracker> recent = std::make_shared<engine::recent_tracker>();

    fixture() {
        for (const char* m : {"rfc3501-meeting.eml", "polish-qp.eml", "mixed-attachment.eml"})
            REQUIRE(memory.deliver("alice", "INBOX", message_file(m)));
    }
    std::unique_ptr<test::imap_connection> login() {
        auto c = std::make_unique<test::imap_connection>(counting, users, recent, 100);
        c->run();
        REQUIRE(c->exchange("l LOGIN alice secret").find("l OK") != std::string::npos);
        REQUIRE(c->exchange("s EXAMINE INBOX").find("s OK") != std::string::npos);
        return c;
    }
};

}  // namespace

TEST_CASE("a second header sync is answered from the message cache", "[engine][imap_engine][cache]") {
    fixture fx;
    auto first = fx.login();
    const std::string answer = first->exchange(header_sync);
    REQUIRE(answer.find("f OK") != std::string::npos);
    REQUIRE(answer.find("* 3 FETCH") != std::string::npos);
    CHECK(fx.counting.counter.opens == 3);  // each message read once, for everything

    // Another session (its own structure cache is empty), same question.
    auto second = fx.login();
    fx.counting.counter.opens = 0;
    CHECK(second->exchange(header_sync) == answer);
    CHECK(fx.counting.counter.opens == 0);

    // The same field list in another order and case shares the entry; a
    // partial is cut from it.
    const std::string full = second->exchange("h FETCH 2 BODY.PEEK[HEADER.FIELDS (FROM date)]");
    const std::string part = second->exchange("p FETCH 2 BODY.PEEK[HEADER.FIELDS (date FROM)]<5.10>");
    CHECK(fx.counting.counter.opens == 1);  // "(DATE FROM)" was not asked before: one read
    const auto literal = full.find("}\r\n");
    REQUIRE(literal != std::string::npos);
    INFO(full << part);
    // Ten octets are sent as a quoted string.
    CHECK(part.find("BODY[HEADER.FIELDS (date FROM)]<5> \"" + full.substr(literal + 3 + 5, 10) + "\")") !=
          std::string::npos);

    // SEARCH keys the structure answers need no message either; text keys do.
    fx.counting.counter.opens = 0;
    CHECK(second->exchange("s1 SEARCH LARGER 100 SENTSINCE 1-Jan-1990").find("s1 OK") != std::string::npos);
    CHECK(fx.counting.counter.opens == 0);
    CHECK(second->exchange("s2 SEARCH SUBJECT zzz").find("s2 OK") != std::string::npos);
    CHECK(fx.counting.counter.opens == 3);

    // Bodies are still read from the message.
    fx.counting.counter.opens = 0;
    CHECK(second->exchange("b FETCH 1 BODY.PEEK[TEXT]").find("b OK") != std::string::npos);
    CHECK(fx.counting.counter.opens == 1);
}

TEST_CASE("a damaged message cache entry is recomputed, not believed", "[engine][imap_engine][cache]") {
    fixture fx;
    const std::string answer = fx.login()->exchange(header_sync);
    REQUIRE(answer.find("f OK") != std::string::npos);

    // Corrupt the structure entries the first sync left (a torn write, a
    // future format): every answer is still right, from the message.
    auto account = fx.memory.open_account("alice");
    REQUIRE(account);
    auto inbox = (*account)->open_mailbox("INBOX", ms::open_mode::read_write);
    REQUIRE(inbox);
    const std::string key = "mime.structure." + std::to_string(mime::message_structure::format_version);
    for (std::uint32_t uid = 1; uid <= 3; ++uid) {
        auto good = (*inbox)->cached(uid, key);
        REQUIRE(good);
        (*inbox)->cache(uid, key, good->substr(0, good->size() / 2));
    }
    (*inbox)->cache(1, "mime.structure.0", "an entry of another format version");
    // The ENVELOPEs kept in wire form are checked before they are sent.
    for (std::uint32_t uid = 1; uid <= 3; ++uid) {
        auto good = (*inbox)->cached(uid, "imap.envelope.1");
        REQUIRE(good);
        (*inbox)->cache(uid, "imap.envelope.1", uid == 1 ? *good + ")\r\n* BYE injected" : good->substr(1));
    }

    auto again = fx.login();
    fx.counting.counter.opens = 0;
    CHECK(again->exchange(header_sync) == answer);
    CHECK(fx.counting.counter.opens == 3);
    // ... and the entries were replaced by good ones.
    for (std::uint32_t uid = 1; uid <= 3; ++uid) {
        auto entry = (*inbox)->cached(uid, key);
        REQUIRE(entry);
        CHECK(mime::message_structure::deserialize(*entry).has_value());
        auto envelope = (*inbox)->cached(uid, "imap.envelope.1");
        REQUIRE(envelope);
        CHECK(imap::envelope_text::make(*envelope).has_value());
    }
}

TEST_CASE("ENVELOPE and HEADER.FIELDS from the header block alone match the whole message's",
          "[engine][imap_engine][cache]") {
    // Messages whose header ends at awkward places for a reader that reads
    // the header in growing pieces: past 8 KiB, its empty line straddling
    // the first piece's end (CRLF and bare LF), no body at all, no empty
    // line at all, a header bigger than the 1 MiB the header reader takes.
    auto long_header = [](std::size_t target, std::string_view eol) {
        std::string h = "From: A <a@example.com>" + std::string(eol) + "Subject: long" + std::string(eol);
        for (int i = 0; h.size() + 40 < target; ++i)
            h += "Received: from relay" + std::to_string(i) + ".example.net" + std::string(eol);
        while (h.size() < target - std::string(eol).size()) h.insert(0, "X: y" + std::string(eol));
        return h;
    };
    std::vector<std::string> messages = {
        long_header(20000, "\r\n") + "\r\nbody\r\n",
        long_header(8190, "\r\n") + "\r\nbody straddling\r\n",
        long_header(8191, "\n") + "\nbare LF body\n",
        "From: only@example.com\r\nSubject: no body\r\n\r\n",
        "From: only@example.com\r\nSubject: not even an empty line",
        long_header(1100 * 1024, "\r\n") + "\r\nbody after a huge header\r\n",
        message_file("mixed-attachment.eml"),
    };
    const char* light = "f UID FETCH 1:* (UID ENVELOPE BODY.PEEK[HEADER.FIELDS (From Subject Date)])";
    auto answers = [&](bool whole_first) {
        ms::memory_store memory;
        counting_store counting{memory};
        for (const auto& m : messages) REQUIRE(memory.deliver("alice", "INBOX", m));
        auto users = auth::passwd_file::parse("alice:{PLAIN}secret\n");
        auto c = std::make_unique<test::imap_connection>(counting, users,
                                                         std::make_shared<engine::recent_tracker>(), 100);
        c->run();
        REQUIRE(c->exchange("l LOGIN alice secret").find("l OK") != std::string::npos);
        REQUIRE(c->exchange("s EXAMINE INBOX").find("s OK") != std::string::npos);
        // BODYSTRUCTURE needs (and caches) the whole structure; the light
        // sync after it answers from that, not from the header block.
        if (whole_first) REQUIRE(c->exchange("b FETCH 1:* BODYSTRUCTURE").find("b OK") != std::string::npos);
        std::string answer = c->exchange(light);
        if (!whole_first) {
            // Which path each message took: the header block, or (the huge
            // header) the whole message. Either way the ENVELOPE is kept in
            // wire form, and a header-only structure is not kept besides.
            auto account = memory.open_account("alice");
            REQUIRE(account);
            auto inbox = (*account)->open_mailbox("INBOX", ms::open_mode::read_only);
            REQUIRE(inbox);
            const std::string v = std::to_string(mime::message_structure::format_version);
            for (std::uint32_t uid = 1; uid <= messages.size(); ++uid) {
                INFO("message " << uid);
                CHECK((*inbox)->cached(uid, "imap.envelope.1").has_value());
                CHECK_FALSE((*inbox)->cached(uid, "mime.header." + v).has_value());
                CHECK((*inbox)->cached(uid, "mime.structure." + v).has_value() == (uid == 6));
            }
        }
        return answer;
    };
    const std::string from_header = answers(false);
    REQUIRE(from_header.find("f OK") != std::string::npos);
    CHECK(from_header.find("* 7 FETCH") != std::string::npos);
    CHECK(from_header.find("\"no body\"") != std::string::npos);
    CHECK(answers(true) == from_header);
}

TEST_CASE("BODY[] sent from the Maildir W= size equals BODY[] after a full parse",
          "[engine][imap_engine][cache]") {
    using namespace std::string_literals;
    // Bare LFs (sent as CRLF) and a NUL (sent as 0x80), and a plain CRLF one.
    const std::vector<std::string> bodies = {"Subject: bare\nX: y\n\nline one\nnul \0 here\nend\n"s,
                                             "Subject: crlf\r\n\r\nbody\r\n"s};
    auto fetch_all = [&](bool parse_first) {
        test::scratch_store scratch;
        auto& store = scratch.store;
        int n = 0;
        for (const auto& b : bodies) {
            std::size_t lfs = 0;
            for (std::size_t i = 0; i < b.size(); ++i) lfs += b[i] == '\n' && (i == 0 || b[i - 1] != '\r');
            const std::string name = "170000000" + std::to_string(n) + ".M" + std::to_string(n) +
                                     "P1.test,S=" + std::to_string(b.size()) +
                                     ",W=" + std::to_string(b.size() + lfs) + ":2,";
            std::ofstream(store.maildir_path("alice") / "cur" / name, std::ios::binary) << b;
            ++n;
        }
        auto users = auth::passwd_file::parse("alice:{PLAIN}secret\n");
        test::imap_connection c(store, users, std::make_shared<engine::recent_tracker>(), 100);
        c.run();
        REQUIRE(c.exchange("l LOGIN alice secret").find("l OK") != std::string::npos);
        REQUIRE(c.exchange("s EXAMINE INBOX").find("s OK") != std::string::npos);
        if (parse_first) REQUIRE(c.exchange("b FETCH 1:* BODYSTRUCTURE").find("b OK") != std::string::npos);
        return c.exchange("f FETCH 1:* (RFC822.SIZE BODY.PEEK[])");
    };
    const std::string from_sizes = fetch_all(false);
    REQUIRE(from_sizes.find("f OK") != std::string::npos);
    CHECK(from_sizes.find("nul \x80 here\r\nend\r\n") != std::string::npos);
    CHECK(from_sizes.find("Subject: bare\r\nX: y\r\n\r\n") != std::string::npos);
    CHECK(from_sizes == fetch_all(true));
}
