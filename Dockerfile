# SalesPulse worker and CLI. Build from the repository root:
#   docker build -t salespulse .
# Used by deploy/docker-compose.yml (workers, simulator) and deploy/k8s/.
FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN python -m venv /opt/salespulse \
    && /opt/salespulse/bin/pip install --no-cache-dir .

FROM python:3.11-slim-bookworm
RUN useradd --uid 10001 --create-home --shell /usr/sbin/nologin salespulse \
    && mkdir /data && chown salespulse /data
COPY --from=build /opt/salespulse /opt/salespulse
ENV PATH=/opt/salespulse/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    SALESPULSE_WORKER__WEB_HOST=0.0.0.0 \
    SALESPULSE_WORKER__DATA_DIR=/data
USER 10001
WORKDIR /data
VOLUME /data
EXPOSE 6066
ENTRYPOINT ["salespulse"]
CMD ["worker"]
