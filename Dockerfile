# ocopbot in a container: one static binary, run as a non-root user, no shell.
# The administrative-unit lists, migrations, texts and the web chat are embedded
# in the binary; the final image adds only CA certificates (api.telegram.org)
# and the time zones, both part of distroless/static.
#
#   docker build -t ocopbot .
#   docker compose up            # see compose.yaml and the README's "Container"

# Build: a static binary (no cgo, no libc), without local paths.
FROM golang:1.26 AS build
WORKDIR /src
# Modules first: a change to the code reuses the downloaded modules.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/ocopbot ./cmd/ocopbot

# Run: distroless static (CA certificates, tzdata, /etc/passwd; no shell).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/ocopbot /ocopbot
# nonroot (65532), by number so that runAsNonRoot can check it.
USER 65532:65532
# Listen on every interface of the container: health, webhook, demo's web chat.
ENV HTTP_ADDR=0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["/ocopbot"]
CMD ["serve"]
