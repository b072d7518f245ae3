# The mlcd worker / serving image: Node 20 with the project's Python venv for the example jobs.
FROM node:20-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends python3 python3-venv coreutils git && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
ENV MLCD_HOME=/var/lib/mlcd
RUN bash scripts/setup.sh && npm run build
