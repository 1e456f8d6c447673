#include "tests/fakes/tls_fixture.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdlib>
#include <map>
#include <stdexcept>

namespace crmsync::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

template <class T, void (*Free)(T*)> struct openssl_deleter {
    void operator()(T* p) const { Free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, openssl_deleter<EVP_PKEY, EVP_PKEY_free>>;
using x509_ptr = std::unique_ptr<X509, openssl_deleter<X509, X509_free>>;
using bio_ptr = std::unique_ptr<BIO, openssl_deleter<BIO, BIO_free_all>>;
using ext_ptr = std::unique_ptr<X509_EXTENSION, openssl_deleter<X509_EXTENSION, X509_EXTENSION_free>>;

void check(bool ok, const char* what)
{
    if (!ok)
        throw std::runtime_error(std::string("test certificate: ") + what + " failed");
}

void add_extension(X509* cert, int nid, const std::string& value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    ext_ptr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
    check(ext != nullptr, "X509V3_EXT_conf_nid");
    check(X509_add_ext(cert, ext.get(), -1) == 1, "X509_add_ext");
}

x509_ptr make_certificate(EVP_PKEY* key, const std::string& subject_alt_names)
{
    x509_ptr cert(X509_new());
    check(cert != nullptr, "X509_new");
    check(X509_set_version(cert.get(), X509_VERSION_3) == 1, "X509_set_version");
    unsigned char serial_bytes[8];
    check(RAND_bytes(serial_bytes, sizeof serial_bytes) == 1, "RAND_bytes");
    long serial = 1;
    for (int i = 0; i < 6; ++i)
        serial = (serial << 8) | serial_bytes[i];
    check(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial) == 1, "ASN1_INTEGER_set");
    check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr, "notBefore");
    check(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600) != nullptr, "notAfter");
    check(X509_set_pubkey(cert.get(), key) == 1, "X509_set_pubkey");
    X509_NAME* name = X509_get_subject_name(cert.get());
    check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                     reinterpret_cast<const unsigned char*>("crmsync test"), -1, -1, 0) == 1,
          "subject");
    check(X509_set_issuer_name(cert.get(), name) == 1, "issuer");
    add_extension(cert.get(), NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign");
    add_extension(cert.get(), NID_subject_alt_name, subject_alt_names);
    check(X509_sign(cert.get(), key, EVP_sha256()) > 0, "X509_sign");
    return cert;
}

} // namespace

test_certificate::test_certificate(const std::string& subject_alt_names)
{
    auto pattern = (std::filesystem::temp_directory_path() / "crmsync-tls-XXXXXX").string();
    check(::mkdtemp(pattern.data()) != nullptr, "mkdtemp");
    dir_ = pattern;
    cert_file_ = (dir_ / "cert.pem").string();
    key_file_ = (dir_ / "key.pem").string();

    pkey_ptr key(EVP_EC_gen("P-256"));
    check(key != nullptr, "EVP_EC_gen");
    auto cert = make_certificate(key.get(), subject_alt_names);

    bio_ptr cert_out(BIO_new_file(cert_file_.c_str(), "w"));
    check(cert_out != nullptr && PEM_write_bio_X509(cert_out.get(), cert.get()) == 1, "writing the certificate");
    bio_ptr key_out(BIO_new_file(key_file_.c_str(), "w"));
    check(key_out != nullptr &&
              PEM_write_bio_PrivateKey(key_out.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1,
          "writing the key");
}

test_certificate::~test_certificate()
{
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
}

struct tls_test_server::impl : std::enable_shared_from_this<impl> {
    using stream_type = beast::ssl_stream<beast::tcp_stream>;

    impl(asio::any_io_executor ex, std::string text) : ex_(ex), acceptor_(ex), body_(std::move(text)) {}

    asio::awaitable<void> accept_loop(std::shared_ptr<impl> self)
    {
        for (;;) {
            auto [ec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
            if (ec || stopped_)
                co_return;
            auto id = next_id_++;
            auto& stream = *streams_.emplace(id, std::make_unique<stream_type>(std::move(socket), tls_)).first->second;
            asio::co_spawn(ex_, serve(self, stream), [self, id](std::exception_ptr) {
                asio::post(self->ex_, [self, id] { self->streams_.erase(id); });
            });
        }
    }

    asio::awaitable<void> serve([[maybe_unused]] std::shared_ptr<impl> self, stream_type& stream)
    {
        constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
        beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
        auto [hec] = co_await stream.async_handshake(asio::ssl::stream_base::server, use_tuple);
        if (hec) {
            ++failed_;
            co_return;
        }
        ++completed_;
        beast::flat_buffer buffer;
        for (;;) {
            http::request<http::string_body> req;
            beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
            auto [rec, rn] = co_await http::async_read(stream, buffer, req, use_tuple);
            if (rec)
                co_return;
            http::response<http::string_body> res(http::status::ok, req.version());
            res.set(http::field::content_type, "text/plain");
            res.body() = body_;
            res.keep_alive(req.keep_alive());
            res.prepare_payload();
            auto [wec, wn] = co_await http::async_write(stream, res, use_tuple);
            ++served_;
            if (wec || !res.keep_alive())
                co_return;
        }
    }

    void stop()
    {
        stopped_ = true;
        boost::system::error_code ignored;
        acceptor_.close(ignored);
        for (auto& [id, stream] : streams_)
            beast::get_lowest_layer(*stream).close();
    }

    asio::any_io_executor ex_;
    asio::ssl::context tls_{asio::ssl::context::tls_server};
    tcp::acceptor acceptor_;
    std::string body_;
    std::map<std::uint64_t, std::unique_ptr<stream_type>> streams_;
    std::uint64_t next_id_ = 0;
    std::uint16_t port_ = 0;
    bool stopped_ = false;
    std::size_t completed_ = 0;
    std::size_t failed_ = 0;
    std::size_t served_ = 0;
};

tls_test_server::tls_test_server(asio::any_io_executor ex, const test_certificate& cert, std::string body)
    : impl_(std::make_shared<impl>(ex, std::move(body)))
{
    impl_->tls_.use_certificate_chain_file(cert.cert_file());
    impl_->tls_.use_private_key_file(cert.key_file(), asio::ssl::context::pem);
    tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    impl_->acceptor_.open(endpoint.protocol());
    impl_->acceptor_.bind(endpoint);
    impl_->acceptor_.listen();
    impl_->port_ = impl_->acceptor_.local_endpoint().port();
    asio::co_spawn(ex, impl_->accept_loop(impl_), [](std::exception_ptr) {});
}

tls_test_server::~tls_test_server()
{
    impl_->stop();
}

std::uint16_t tls_test_server::port() const
{
    return impl_->port_;
}

std::size_t tls_test_server::handshakes_completed() const
{
    return impl_->completed_;
}

std::size_t tls_test_server::handshakes_failed() const
{
    return impl_->failed_;
}

std::size_t tls_test_server::requests_served() const
{
    return impl_->served_;
}

void tls_test_server::stop()
{
    impl_->stop();
}

} // namespace crmsync::test
