"""Temporal client with the pydantic data converter, embedded or cloud by settings."""

from temporalio.client import Client, TLSConfig
from temporalio.contrib.pydantic import pydantic_data_converter

from core.settings import Settings, get_settings


async def connect(settings: Settings | None = None) -> Client:
    settings = settings or get_settings()
    tls: TLSConfig | bool = False
    if settings.temporal_tls_cert:
        tls = TLSConfig(client_cert=open(settings.temporal_tls_cert, "rb").read(),
                        client_private_key=open(settings.temporal_tls_key, "rb").read())
    elif settings.temporal_api_key:
        tls = True
    return await Client.connect(settings.resolved_temporal_address(), namespace=settings.temporal_namespace,
                                api_key=settings.temporal_api_key or None, tls=tls,
                                data_converter=pydantic_data_converter)
