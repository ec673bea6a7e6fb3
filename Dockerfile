# syntax=docker/dockerfile:1
# Multi-stage build: a static binary on a minimal, non-root base image.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=unknown
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath \
      -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" \
      -o /out/kustoguard ./cmd/kustoguard

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/kustoguard /usr/local/bin/kustoguard
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/kustoguard"]
CMD ["serve"]
