FROM golang:1.22
RUN echo "unterminated && go build ./... && echo 'x
ENV A="b
