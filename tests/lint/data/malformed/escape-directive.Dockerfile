# escape=`
FROM golang:1.22
RUN go build `
  ./...
RUN <<EOF `
echo x
EOF
