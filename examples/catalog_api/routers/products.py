import os

from fastapi import APIRouter, Depends
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..db import get_session
from ..tables import Price, Product

router = APIRouter()
IMAGE_CDN = os.getenv("IMAGE_CDN")  # BR010


@router.get("/products")
async def list_products(db: AsyncSession = Depends(get_session)):
    products = (await db.execute(select(Product).limit(50))).scalars().all()
    result = []
    for product in products:
        # BR002: one SELECT per product
        price = (await db.execute(select(Price).where(Price.product_id == product.id))).scalar_one()
        result.append({"id": product.id, "price": price.amount, "image": f"{IMAGE_CDN}/{product.sku}"})
    return result
