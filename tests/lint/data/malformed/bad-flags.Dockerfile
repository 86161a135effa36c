FROM --platform= golang:1.22 AS
COPY --from= --chown=:: . .
RUN --mount=type=cache,target= --mount=,,, go build
ARG =
ENV =x
