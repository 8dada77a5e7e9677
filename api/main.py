from ninja import NinjaAPI

api = NinjaAPI(title="dieuhanh API", version="1")
