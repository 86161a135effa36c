# bench/image-realistic.Dockerfile: a Debian base, a Go toolchain (with only link and cgo left in of
# pkg/tool, to land near 300 MB), part of a build cache, a Go program; ~300 MB, ~20k tar entries.
FROM golayer-lab/golang:1.27-nocc AS build
WORKDIR /src
RUN printf 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hi") }\n' > main.go \
 && printf 'module example.com/app\n\ngo 1.27\n' > go.mod && CGO_ENABLED=0 go build -o /out/app . \
 && cp -a /usr/local/go /gocopy && cd /gocopy/pkg/tool && rm -f */compile */vet */fix */cover */asm */preprofile \
 && mkdir -p /cache && cd /root/.cache/go-build && cp -a README trim.txt 0? /cache/
FROM golayer-lab/debian:bookworm
COPY --from=build /gocopy /usr/local/go
ENV PATH=/usr/local/go/bin:$PATH
COPY --from=build /cache /root/.cache/go-build
COPY --from=build /src /src
COPY --from=build /out/app /usr/local/bin/app
USER 65532
ENTRYPOINT ["/usr/local/bin/app"]
