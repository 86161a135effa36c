"""runtime-missing-ca-certificates (GLD020)."""

from tests.lint.helpers import lint, of_rule

RULE = "runtime-missing-ca-certificates"
CLIENT = ('package main\n\nimport "net/http"\n\n'
          'func main() { http.Get("https://api.example.com/v1") }\n')
SERVER = ('package main\n\nimport "net/http"\n\n'
          'func main() { http.ListenAndServe(":8080", nil) } // docs: https://example.com\n')
LOCAL_CLIENT = ('package main\n\nimport "net/http"\n\nfunc main() { http.Get("http://localhost:8080/healthz") }\n')
GRPC = ('package main\n\nimport "google.golang.org/grpc/credentials"\n\n'
        'func main() { _ = credentials.NewTLS(nil) }\n')


def df(runtime="scratch", extra=""):
    return f"""
FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app .
FROM {runtime}
{extra}COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
"""


def found(tmp_path, text, files):
    return of_rule(lint(tmp_path, text, files=files), RULE)


def test_https_client_on_scratch_and_slim_debian(tmp_path):
    for rt in ("scratch", "debian:bookworm-slim"):
        fs = found(tmp_path, df(rt), {"main.go": CLIENT})
        assert len(fs) == 1, rt
        assert "main.go makes TLS client connections" in fs[0].message and fs[0].line == 5
    assert len(found(tmp_path, df(), {"cmd/x/main.go": GRPC})) == 1


def test_servers_local_clients_and_tests_pass(tmp_path):
    assert found(tmp_path, df(), {"main.go": SERVER}) == []
    assert found(tmp_path, df(), {"main.go": LOCAL_CLIENT}) == []
    assert found(tmp_path, df(), {"main.go": SERVER, "client_test.go": CLIENT, "testdata/x.go": CLIENT}) == []


def test_bases_with_a_bundle_or_a_copied_one(tmp_path):
    files = {"main.go": CLIENT}
    for rt in ("gcr.io/distroless/static-debian12:nonroot", "alpine:3.20", "golang:1.22", "example.com/x:1"):
        assert found(tmp_path, df(rt), files) == [], rt
    assert found(tmp_path, df(extra="COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/\n"),
                 files) == []
    assert found(tmp_path, df("debian:bookworm-slim", extra="RUN apt-get update && apt-get install -y "
                                                            "ca-certificates\n"), files) == []
    assert found(tmp_path, df(extra="ENV SSL_CERT_FILE=/certs/bundle.pem\n"), files) == []


def test_heredoc_and_multi_stage_chain(tmp_path):
    fs = found(tmp_path, """
FROM golang:1.22 AS build
RUN <<EOF
go build -o /out/app ./cmd/app
EOF
FROM scratch AS rootfs
COPY --from=build /out/app /app
FROM rootfs
ENTRYPOINT ["/app"]
""", {"cmd/app/main.go": CLIENT})
    assert len(fs) == 1 and fs[0].stage == "2"


def test_a_docs_url_constant_is_not_an_outbound_connection(tmp_path):
    from tests.lint.helpers import lint, of_rule

    # seen in the corpus: a Kubernetes component with a help-link constant and local HTTP calls
    src = ('package main\n\nimport "net/http"\n\nconst RbacURL = "https://example.com/docs/rbac"\n\n'
           'func main() { http.Get("http://127.0.0.1:8080/healthz"); println("see " + RbacURL) }\n')
    df = 'FROM golang:1.22 AS b\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /app .\nFROM scratch\n' \
         'COPY --from=b /app /app\nENTRYPOINT ["/app"]\n'
    assert of_rule(lint(tmp_path, df, files={"main.go": src}), "runtime-missing-ca-certificates") == []


def test_only_tls_clients_the_image_holds_count(tmp_path):
    """A release tool under hack/ that calls an https API is not in the server's image."""
    files = {"go.mod": "module example.com/app\n", "main.go": SERVER, "hack/bump/main.go": CLIENT}
    assert found(tmp_path, df(), files) == []
    client = {**files, "client.go": CLIENT.replace("func main()", "func fetch()")}
    [f] = found(tmp_path, df(), client)
    assert f.message.startswith("client.go makes TLS client connections")
