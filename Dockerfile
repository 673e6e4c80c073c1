FROM python:3.11-slim-bookworm

# WeasyPrint renders with Pango; the rest of the dependencies are wheels.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b xmlsec1 \
 && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 STATIC_MANIFEST=1
WORKDIR /app
COPY requirements.lock .
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY . .
RUN python manage.py compile_translations \
 && SECRET_KEY=build-only python manage.py collectstatic --noinput \
 && useradd --system --home /app aktionskort && mkdir -p var/media && chown -R aktionskort var
USER aktionskort
EXPOSE 8000
# gthread workers, bounded backlog and timeouts, polls shed first: see config/gunicorn.py.
CMD ["gunicorn", "config.wsgi", "-c", "config/gunicorn.py"]
