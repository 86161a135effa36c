FROM golang:1.22
RUN echo ÿþÃ( && go build
ENV â‚=1
