#pragma once
// TLS test helpers: a self-signed certificate generated at runtime with the OpenSSL 3 API, and a
// small HTTPS server that answers every request with a fixed body. Test-only: the daemon serves plain
// HTTP on loopback, so core/http_server has no TLS.

#include <boost/asio/any_io_executor.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace crmsync::test {

// A self-signed EC P-256 certificate and its key, written as PEM files into a fresh temporary
// directory that is removed with the object. `subject_alt_names` uses OpenSSL's syntax, e.g.
// "DNS:localhost,IP:127.0.0.1". The certificate is its own CA (basicConstraints CA:TRUE), so its file
// can be given to a client as `extra_ca_file`. Throws when OpenSSL or the file system fails.
class test_certificate {
public:
    explicit test_certificate(const std::string& subject_alt_names);
    ~test_certificate();
    test_certificate(const test_certificate&) = delete;
    test_certificate& operator=(const test_certificate&) = delete;

    const std::string& cert_file() const { return cert_file_; }
    const std::string& key_file() const { return key_file_; }

private:
    std::filesystem::path dir_;
    std::string cert_file_;
    std::string key_file_;
};

// HTTPS/1.1 server on 127.0.0.1 (any port) answering each request with 200 and `body`, keep-alive.
// Runs on `ex`; stop() (or the destructor) closes the listener and every connection.
class tls_test_server {
public:
    tls_test_server(boost::asio::any_io_executor ex, const test_certificate& cert, std::string body);
    ~tls_test_server();
    tls_test_server(const tls_test_server&) = delete;
    tls_test_server& operator=(const tls_test_server&) = delete;

    std::uint16_t port() const;
    std::size_t handshakes_completed() const;
    std::size_t handshakes_failed() const;
    std::size_t requests_served() const;
    void stop();

private:
    struct impl;
    std::shared_ptr<impl> impl_;
};

} // namespace crmsync::test
