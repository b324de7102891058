from fastapi import APIRouter, Depends
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..db import get_session
from ..tables import Product

router = APIRouter()


@router.get("/stock")
async def all_stock(db: AsyncSession = Depends(get_session)):
    # BR061: every product, no limit or page
    return (await db.execute(select(Product))).scalars().all()


@router.get("/stock/{sku}")
async def stock_for(sku: str, db: AsyncSession = Depends(get_session)):
    product = (await db.execute(select(Product).where(Product.sku == sku))).scalar_one_or_none()
    if product is None:
        # BR060: FastAPI sends this dict with HTTP 200
        return {"error": "unknown sku"}
    return {"sku": sku, "stock": product.stock_quantity}
