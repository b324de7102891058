from django.http import JsonResponse

from .models import Post


def search_posts(request):
    term = request.GET.get("q", "")
    # BR008 (opt-in): LIKE '%term%' reads the whole table
    posts = Post.objects.filter(title__icontains=term).values("pk", "title")[:20]
    return JsonResponse({"posts": list(posts)})
