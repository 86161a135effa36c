FROM alpine:3.20
CMD ["/app", "--flag"
ENTRYPOINT ["/app", 1, {"x": 2}]
RUN ["go", "build"]]
